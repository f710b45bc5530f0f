/**
 * @module openapi_validation micro-benchmark: the legate-openapi body schema (10 properties) checked against its
 * body, parsed from the same bytes every time. Run: `node --import tsx bench/micro-openapi.ts [--quick]`.
 * Prints JSON lines (ns per body): `openapi-body-parse` (decode + JSON.parse), `openapi-body-check` (the filter's
 * check of the parsed body: the compiled fast path) and `openapi-body-check-library` (the same check in
 * @cfworker/json-schema alone, stopping at the first error, as before the fast path).
 */
import { compileSchema } from '../src/filters/openapi-validation/compile.ts'

type Config = { virtual_hosts: { filters: { openapi_validation: { definitions: object } }; routes: { filters: { openapi_validation: { operation: { request_body: { content: Record<string, { schema: unknown }> } } } } }[] }[] }
// The scenario's own config and body (bench/scenarios.mjs is untyped JavaScript: imported by path).
const scenarios = './scenarios.mjs'
const { legateOpenapiConfig, OPENAPI_BODY } = (await import(scenarios)) as { legateOpenapiConfig: (upstream: string) => Config; OPENAPI_BODY: string }

const QUICK = process.argv.includes('--quick')
const N = QUICK ? 20_000 : 100_000
const config = legateOpenapiConfig('http://127.0.0.1:1')
const definitions = config.virtual_hosts[0]!.filters.openapi_validation.definitions
const schema = config.virtual_hosts[0]!.routes[0]!.filters.openapi_validation.operation.request_body.content['application/json']!.schema
const check = compileSchema(schema, definitions)
const bytes = new TextEncoder().encode(OPENAPI_BODY)
const decoder = new TextDecoder()
const emit = (name: string, value: number) => console.log(JSON.stringify({ name, value: Number(value.toFixed(1)), unit: 'ns' }))

function time(run: () => unknown): number {
  const rounds: number[] = []
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < N; i++) run()
    rounds.push(Number(process.hrtime.bigint() - t0) / N)
  }
  return rounds.sort((a, b) => a - b)[3]!
}

if (check.check(JSON.parse(OPENAPI_BODY)).length !== 0) throw new Error('the benchmark body does not validate')
emit('openapi-body-parse', time(() => JSON.parse(decoder.decode(bytes))))
const value = JSON.parse(OPENAPI_BODY)
emit('openapi-body-check', time(() => check.check(value)))
const library = compileSchema(schema, definitions, { fast: false })
if (library.check(value).length !== 0) throw new Error('the library does not accept the benchmark body')
emit('openapi-body-check-library', time(() => library.check(value)))
