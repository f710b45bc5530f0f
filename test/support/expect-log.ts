/**
 * @module captureLog: holds back the structured log lines a test causes on purpose (a degraded mode's warning, a
 * refused config) so a green `npm test` stays quiet (issue 14 §3), and lets the test assert them. A failing test
 * prints every line it held back, as it would have without the capture.
 */
import { onTestFailed, onTestFinished, vi } from 'vitest'

type Level = 'log' | 'warn' | 'error'

export interface LogCapture {
  /** Every captured line, in order, as it would have been printed. */
  lines(): string[]
  /** The `msg` field of every captured line (the whole line when it is not a JSON object). */
  msgs(): string[]
}

const msgOf = (line: string): string => {
  try {
    const o: unknown = JSON.parse(line)
    return o && typeof o === 'object' && 'msg' in o ? String(o.msg) : line
  } catch {
    return line
  }
}

/**
 * Captures `console.warn` and `console.error` (or the given levels) until the current test ends. Call it inside
 * the test (or a `beforeEach`), before the code that logs.
 * @example
 * const log = captureLog()
 * await gw.fetch('/x')
 * expect(log.msgs()).toEqual(['ext_authz: check failed'])
 */
export function captureLog(...levels: Level[]): LogCapture {
  const captured: [Level, string][] = []
  const spies = (levels.length ? levels : (['warn', 'error'] as const)).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void captured.push([level, args.map(String).join(' ')]))
  )
  const restore = () => spies.forEach((s) => s.mockRestore())
  onTestFailed(() => {
    restore()
    for (const [level, line] of captured.splice(0)) console[level](line)
  })
  onTestFinished(restore)
  return { lines: () => captured.map(([, l]) => l), msgs: () => captured.map(([, l]) => msgOf(l)) }
}
