/**
 * @module A raw HTTP/1 client over `node:net` for malformed-request tests: writes exactly the bytes given (with
 * optional pauses), reads until the server closes or a deadline passes, and reports every status line seen.
 */
import { connect } from 'node:net'

/** One step of what the client does: bytes to write, a pause (ms), half-close, or abandon the connection. */
export type Step = string | Buffer | { pause: number } | 'end' | 'abandon'

export interface RawOutcome {
  /** Every `HTTP/1.x NNN` status line in what came back, in order. */
  statuses: number[]
  /** What came back, as latin1 text. */
  raw: string
  /** The server closed the connection (or reset it) before the deadline. */
  closed: boolean
  /** The client gave up: the script said `abandon`. */
  abandoned: boolean
  /** The deadline passed with nothing received and the connection still open. */
  hung: boolean
  ms: number
}

/** Runs `steps` against 127.0.0.1:`port`; never takes longer than `deadlineMs` (plus the script's pauses). */
export function rawExchange(port: number, steps: readonly Step[], deadlineMs = 2500): Promise<RawOutcome> {
  const started = Date.now()
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let closed = false
    let abandoned = false
    let settled = false
    const socket = connect(port, '127.0.0.1')
    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      const raw = Buffer.concat(chunks).toString('latin1')
      const statuses = [...raw.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]))
      resolve({ statuses, raw, closed, abandoned, hung: !closed && !abandoned && chunks.length === 0, ms: Date.now() - started })
    }
    // A reply on a kept-alive connection ends the wait too: give the server a moment for a second response.
    let quiet: NodeJS.Timeout | undefined
    socket.on('data', (d: Buffer) => {
      chunks.push(d)
      clearTimeout(quiet)
      quiet = setTimeout(finish, 300)
    })
    socket.on('error', () => (closed = true))
    socket.on('close', () => {
      closed = true
      finish()
    })
    const timer = setTimeout(finish, deadlineMs)
    socket.once('connect', async () => {
      for (const step of steps) {
        if (settled || socket.destroyed) return
        if (step === 'end') socket.end()
        else if (step === 'abandon') {
          abandoned = true
          return finish()
        } else if (typeof step === 'object' && 'pause' in step) await new Promise((r) => setTimeout(r, step.pause))
        else socket.write(step)
      }
    })
  })
}
