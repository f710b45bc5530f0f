/** @module The shape of a `legate` subcommand. */
import type { ExitCode } from './exit-codes.ts'
import type { Io } from './io.ts'

export interface Command {
  readonly name: string
  /** One line for `legate --help`. */
  readonly summary: string
  /** Full text for `legate <name> --help`. */
  readonly help: string
  run(args: readonly string[], io: Io): Promise<ExitCode>
}
