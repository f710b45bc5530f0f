import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createAccessLogger, type RequestFacts } from '../../src/observability/access-log.ts'
import { ACCESS_LOG_FIELDS, type AccessLogField } from '../../src/observability/config.ts'

/** What the line must be: JSON.stringify of the selected fields in ACCESS_LOG_FIELDS order (undefined left out). */
function expected(facts: RequestFacts, fields: readonly AccessLogField[]): string {
  const o: Record<string, unknown> = { level: 'info', msg: 'access' }
  for (const f of ACCESS_LOG_FIELDS) if (fields.includes(f)) o[f] = facts[f]
  return JSON.stringify(o)
}

// Strings a client controls (path, authority, user agent, a preserved request id): quotes, backslashes, control
// characters, non-ASCII, and lone or paired surrogates.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', '\ud83d\ude00', 'a"b\\c\nd')
)
const num = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1e21, Number.NaN, Number.POSITIVE_INFINITY))
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null })

const facts: fc.Arbitrary<RequestFacts> = fc.record({
  start_time: text,
  method: text,
  authority: text,
  path: text,
  protocol: maybe(text),
  status: num,
  response_flags: text,
  vhost: maybe(text),
  route: maybe(text),
  cluster: maybe(text),
  upstream_host: maybe(text),
  attempt_count: num,
  duration_ms: num,
  upstream_duration_ms: maybe(num),
  bytes_received: maybe(num),
  bytes_sent: maybe(num),
  request_id: text,
  trace_id: maybe(text),
  config_version: maybe(num),
  client_address: text,
  user_agent: maybe(text),
  country: maybe(text),
})
const fieldSets = fc.subarray([...ACCESS_LOG_FIELDS], { minLength: 1 })

describe('access log line', () => {
  it('is byte for byte what JSON.stringify writes, for any facts and any field selection', () => {
    fc.assert(
      // A boolean property: fast-check prints the counterexample escaped (a lone surrogate in an expect() diff breaks
      // the test pool's connection instead of failing the test).
      fc.property(facts, fieldSets, (f, fields) => {
        const logger = createAccessLogger({ enabled: true, fields, always_log_errors: true, sample_successes_percent: 100 })
        return logger.format(f) === expected(f, fields)
      }),
      { numRuns: 2000 }
    )
  })

  it('escapes what a client could use to break the line or forge a field', () => {
    const logger = createAccessLogger({ enabled: true, fields: ['path', 'user_agent'], always_log_errors: true, sample_successes_percent: 100 })
    const line = logger.format({ path: '/a"},"status":200,"x":"\n', user_agent: 'ua\\"\u0000\ud800' } as RequestFacts)
    expect(JSON.parse(line)).toEqual({ level: 'info', msg: 'access', path: '/a"},"status":200,"x":"\n', user_agent: 'ua\\"\u0000\ud800' })
    expect(line).not.toContain('\n')
  })
})
