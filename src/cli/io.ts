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
