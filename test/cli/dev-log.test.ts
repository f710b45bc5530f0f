/**
 * What `npm start` shows of wrangler dev's output (src/cli/dev/log-lines.ts), on lines as a real run prints them:
 * one short line per request, config switches, wrangler's own request lines (and so the dashboard's polling)
 * dropped, everything else untouched; `--log json` shows everything as it is.
 */
import { describe, expect, it } from 'vitest'
import { createDevLog } from '../../src/cli/dev/log-lines.ts'

const ACCESS_HELLO =
  '{"level":"info","msg":"access","start_time":"2026-12-04T04:37:33.682Z","method":"GET","authority":"127.0.0.1:18787","path":"/hello","protocol":"HTTP/1.1","status":200,"response_flags":"-","vhost":"demo","route":"hello","cluster":null,"upstream_host":null,"attempt_count":0,"duration_ms":2,"upstream_duration_ms":null,"bytes_received":null,"bytes_sent":null,"request_id":"66fa9f8f-916e-4f1e-b247-c2b7f71a2667","trace_id":"cd3aba6081b75583088d1b22aaee929a","client_address":"127.0.0.1","user_agent":"curl/7.88.1"}'
const ACCESS_NO_ROUTE =
  '{"level":"info","msg":"access","start_time":"2026-12-04T04:37:33.715Z","method":"GET","authority":"127.0.0.1:18787","path":"/nosuch","protocol":"HTTP/1.1","status":404,"response_flags":"NR","vhost":null,"route":null,"cluster":null,"upstream_host":null,"attempt_count":0,"duration_ms":0,"upstream_duration_ms":null,"bytes_received":null,"bytes_sent":null,"request_id":"9563cb40","trace_id":"2f65","client_address":"127.0.0.1","user_agent":"curl/7.88.1"}'
const RUN = [
  '[wrangler:info] Ready on http://127.0.0.1:18787',
  '{"level":"info","msg":"config applied","version":1}',
  '[wrangler:info] GET /__legate/status 200 OK (666ms)',
  ACCESS_HELLO,
  '[wrangler:info] GET /hello 200 OK (9ms)',
  ACCESS_NO_ROUTE,
  '[wrangler:info] GET /nosuch 404 Not Found (5ms)',
  '[wrangler:info] GET /__legate/stats 200 OK (30ms)',
  '{"level":"warn","msg":"config rejected","version":2,"message":"version 2 is invalid; still serving 1","issues":[{"path":"virtual_hosts[0].routes[0].forward.cluster","message":"unknown cluster \\"x\\""},{"path":"clusters[0].name","message":"bad"}],"live_version":1}',
  'something else entirely',
]

describe('npm start output', () => {
  it('--log short (the default): one short line per request and per config switch; wrangler request lines dropped', () => {
    const show = createDevLog('short')
    expect(RUN.map(show).filter((l) => l !== null)).toEqual([
      '[wrangler:info] Ready on http://127.0.0.1:18787',
      'config version 1 applied',
      'GET /hello 200 2ms demo/hello v1',
      'GET /nosuch 404 0ms no route [NR] v1',
      'config version 2 rejected, still serving 1: virtual_hosts[0].routes[0].forward.cluster: unknown cluster "x" (+1 more)',
      'something else entirely',
    ])
  })

  it('--log json: every line as wrangler printed it', () => {
    const show = createDevLog('json')
    expect(RUN.map(show)).toEqual(RUN)
  })

  it('drops access lines for the admin prefix (the dashboard polls it), not for paths that only start alike', () => {
    const show = createDevLog('short')
    const access = (path: string) => ACCESS_HELLO.replace('"path":"/hello"', `"path":${JSON.stringify(path)}`)
    expect(show(access('/__legate'))).toBeNull()
    expect(show(access('/__legate/stats'))).toBeNull()
    expect(show(access('/__legate/dashboard'))).toBeNull()
    expect(show(access('/__legates'))).toBe('GET /__legates 200 2ms demo/hello')
  })

  it('shows "-" for fields the access log is configured to leave out', () => {
    const show = createDevLog('short')
    expect(show('{"level":"info","msg":"access","status":503,"response_flags":"UH"}')).toBe('- - 503 - [UH]')
    expect(show('{"level":"info","msg":"access","method":"GET","path":"/x","status":200,"duration_ms":1,"route":null}')).toBe('GET /x 200 1ms no route')
  })

  it('passes through lines that only look like JSON', () => {
    const show = createDevLog('short')
    expect(show('{"level": broken')).toBe('{"level": broken')
    expect(show('{"other":1}')).toBe('{"other":1}')
  })
})
