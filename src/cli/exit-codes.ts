/** @module The `legate` exit codes and the error types that carry them. */

/** Process exit codes. Stable: scripts and CI depend on them. */
export const EXIT = {
  /** Success (including "unchanged"). */
  OK: 0,
  /** The route table is invalid (or a file cannot be parsed). Nothing was written. */
  INVALID: 1,
  /** Usage error: unknown command or flag, missing argument, missing file. */
  USAGE: 2,
  /** Wrangler or KV failed: wrangler missing, not logged in, network, unreadable stored data. */
  KV: 3,
  /** The gateway refused the publish or rollout action: --expect-version is stale, or a rollout runs (or none does). */
  REFUSED: 4,
} as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** A failure the CLI reports as one message plus an exit code (no stack trace). */
export class CliError extends Error {
  readonly exitCode: ExitCode
  /** Extra lines printed after the message, e.g. what to do next. */
  readonly hints: readonly string[]
  constructor(message: string, exitCode: ExitCode, hints: readonly string[] = []) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
    this.hints = hints
  }
}

/** Bad command line: prints the message and a pointer to `--help`, exits 2. */
export class UsageError extends CliError {
  constructor(message: string, command?: string) {
    super(message, EXIT.USAGE, [`Run \`legate ${command ? `${command} ` : ''}--help\` for usage.`])
    this.name = 'UsageError'
  }
}

/** Wrangler or KV failed: exits 3. */
export class KvError extends CliError {
  constructor(message: string, hints: readonly string[] = []) {
    super(message, EXIT.KV, hints)
    this.name = 'KvError'
  }
}

export const isCliError = (e: unknown): e is CliError => e instanceof Error && 'exitCode' in e && 'hints' in e
