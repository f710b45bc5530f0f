/** @module Where the CLI writes: stdout for results, stderr for progress and errors. Injectable for tests. */

export interface Io {
  /** One line of result output (stdout). */
  out(line: string): void
  /** One line of diagnostics (stderr). */
  err(line: string): void
  /** The raw stderr stream, for the progress spinner. */
  readonly stderr: NodeJS.WriteStream
  /** Colour only when stdout is a terminal and NO_COLOR is unset. */
  readonly color: boolean
  /**
   * Adds fields to the command's result document; present only under `--json`, where stdout carries that one
   * document instead of the text lines (see jsonIo). Commands call it as `io.record?.({ … })`.
   */
  record?(fields: Record<string, unknown>): void
}

export function createIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    stderr: process.stderr,
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  }
}

const wrap = (code: number) => (s: string) => `\x1b[${code}m${s}\x1b[0m`
const PAINT = { red: wrap(31), green: wrap(32), yellow: wrap(33), dim: wrap(2), bold: wrap(1) } as const

/** `paint(io).red('x')`: ANSI colour when the Io allows it, plain text otherwise. */
export function paint(io: Pick<Io, 'color'>): Record<keyof typeof PAINT, (s: string) => string> {
  if (io.color) return PAINT
  const id = (s: string) => s
  return { red: id, green: id, yellow: id, dim: id, bold: id }
}

/**
 * `--json`: stdout text is held back, `record` collects the result fields, stderr (progress, diagnostics) stays
 * as it is. `document(exitCode)` is the one JSON document to print; a command that recorded nothing (help)
 * gets its text lines as `output`.
 */
export function jsonIo(base: Io, command: string | undefined): { io: Io; document(exitCode: number): string } {
  const fields: Record<string, unknown> = {}
  const lines: string[] = []
  const io: Io = {
    out: (line) => lines.push(line),
    err: base.err,
    stderr: base.stderr,
    color: false,
    record: (more) => Object.assign(fields, more),
  }
  return {
    io,
    document: (exitCode) => {
      const recorded = Object.keys(fields).length > 0
      return JSON.stringify({ command: command ?? null, ok: exitCode === 0, exit_code: exitCode, ...fields, ...(recorded ? {} : { output: lines }) }, null, 2)
    },
  }
}
