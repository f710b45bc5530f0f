/**
 * @module What `npm start` shows of `wrangler dev`'s output. By default (`--log short`) one short line per request
 * from the gateway's JSON access-log line, `config version N applied` for a config switch, wrangler's own request
 * lines dropped (they repeat the access log, and the dashboard's polling of /__legate would fill the terminal);
 * everything else passes through. `--log json` passes every line as it is.
 */

export type LogMode = 'short' | 'json'
export const LOG_MODES: readonly LogMode[] = ['short', 'json']

/** wrangler dev's own line per request: `[wrangler:info] GET /hello 200 OK (9ms)`. */
const WRANGLER_REQUEST = /^\[wrangler:info\] [A-Z]+ \S+ \d{3}\b/
/** The admin API and dashboard (its polling): never a request line of their own, whichever logger wrote it. */
const ADMIN_PATH = /^\/__legate(\/|\?|$)/

interface AccessLine {
  msg: 'access'
  method?: string
  path?: string
  status?: number
  duration_ms?: number
  response_flags?: string
  vhost?: string | null
  route?: string | null
}
interface ConfigLine {
  msg: string
  version?: number | null
  message?: string
  issues?: { path: string; message: string }[]
}

const json = (line: string): Record<string, unknown> | undefined => {
  if (!line.startsWith('{"level":')) return undefined
  try {
    return JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/**
 * `GET /hello 200 2ms demo/hello v1`, with the response flags when there are any. A field the table's
 * `observability.access_log.fields` leaves out shows as `-` (or, for the time and flags, not at all).
 */
function accessLine(a: AccessLine, version: number | undefined): string {
  const ms = typeof a.duration_ms === 'number' ? ` ${a.duration_ms}ms` : ''
  const route = a.route ? `${a.vhost ?? '-'}/${a.route}` : a.route === null ? 'no route' : '-'
  const flags = a.response_flags && a.response_flags !== '-' ? ` [${a.response_flags}]` : ''
  return `${a.method ?? '-'} ${a.path ?? '-'} ${a.status ?? '-'}${ms} ${route}${flags}${version === undefined ? '' : ` v${version}`}`
}

/** A line filter for one `npm start`: keeps the live config version to label request lines with. */
export function createDevLog(mode: LogMode): (line: string) => string | null {
  if (mode === 'json') return (line) => line
  let version: number | undefined
  return (line) => {
    if (WRANGLER_REQUEST.test(line)) return null
    const o = json(line)
    if (!o) return line
    if (o.msg === 'access') {
      const a = o as unknown as AccessLine
      return typeof a.path === 'string' && ADMIN_PATH.test(a.path) ? null : accessLine(a, version)
    }
    const c = o as unknown as ConfigLine
    if (c.msg === 'config applied' && typeof c.version === 'number') {
      version = c.version
      return `config version ${version} applied`
    }
    if (c.msg === 'config rejected' || c.msg === 'config failure') {
      const first = c.issues?.[0]
      const more = c.issues && c.issues.length > 1 ? ` (+${c.issues.length - 1} more)` : ''
      const detail = first ? `${first.path}: ${first.message}${more}` : (c.message ?? '')
      return `config version ${c.version ?? '?'} ${c.msg.slice('config '.length)}, still serving ${version ?? 'nothing'}: ${detail}`
    }
    return line
  }
}
