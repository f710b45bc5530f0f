/**
 * @module Keeps a green `npm test` readable (issue 14 §3): drops, in the vitest process, the lines workerd and
 * wrangler print for things the tests do on purpose — sockets a test resets or closes, upstream ports a test
 * keeps closed, wrangler reading .dev.vars for every Worker it starts — and nothing else. Vitest's own report
 * (failures, diffs, stacks of failing tests) never matches these patterns, so a real failure prints everything;
 * a count of what was hidden is printed at exit. `LEGATE_TEST_NOISE=1` shows it all.
 */

/** A whole line, as workerd or wrangler prints it for an expected event. */
const EXPECTED: readonly RegExp[] = [
  /^Using secrets defined in \.dev\.vars$/,
  /^exception = workerd\/api\/web-socket\.c\+\+:\d+: disconnected: WebSocket peer disconnected$/,
  /^exception = kj\/async-io-unix\.c\+\+:\d+: disconnected: connect\(\): Connection refused$/,
  /^exception = kj\/async-io\.c\+\+:\d+: disconnected: stream disconnected prematurely$/,
  // A truncated upload (Content-Length 100, 10 bytes, then an error): test/pipeline/request-body-failure.test.ts.
  /^exception = kj\/async-io\.c\+\+:\d+: disconnected: fixed-length pipe ended prematurely$/,
  /^uncaught exception; source = Uncaught \(in promise\); stack = Error: Network connection lost\.$/,
  /^uncaught exception; exception = workerd\/jsg\/\S+: disconnected: jsg\.Error: Network connection lost\.$/,
  // workerd's native body pump reports the reason the gateway aborted an upstream exchange with, on purpose:
  // body_limit's limit, the route timeout, a client that went away (tests of each).
  /^uncaught exception; exception = workerd\/jsg\/\S+: failed: jsg\.Error: (BodyTooLargeError: request body exceeds \d+ bytes|route timeout|client went away)$/,
  // Tests send non-ASCII header values on purpose (U+2028 among them, which `.` does not match: hence [^]).
  /^A header value for "[\w-]+" contains non-ASCII characters: [^]* Consider encoding this string in ASCII for compatibility with browser implementations of the Fetch specification\.$/,
]
/** workerd's native stack after one of those lines (addresses only); dropped with it. */
const NATIVE_STACK = /^stack:( \S+\/workerd@[0-9a-f]+)+$/

/** Whether `line` is one of the expected lines (also used for console output vitest captures). */
export const isExpectedNoise = (line: string): boolean => EXPECTED.some((re) => re.test(line))

export function quietExpectedNoise(): void {
  if (process.env.LEGATE_TEST_NOISE === '1') return
  let hidden = 0
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean
    let afterHidden = false
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'string' || !chunk.endsWith('\n')) return write(chunk, ...rest)
      const kept = chunk
        .slice(0, -1)
        .split('\n')
        .filter((line) => {
          const drop = isExpectedNoise(line) || (afterHidden && NATIVE_STACK.test(line))
          afterHidden = drop
          if (drop) hidden++
          return !drop
        })
      if (!kept.length) return true
      return write(`${kept.join('\n')}\n`, ...rest)
    }) as typeof stream.write
  }
  process.once('exit', () => {
    if (hidden) process.stderr.write(`(${hidden} expected workerd/wrangler lines hidden: resets, refused connections and .dev.vars notices the tests cause on purpose; LEGATE_TEST_NOISE=1 shows them)\n`)
  })
}
