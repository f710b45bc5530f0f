/**
 * @module The CLI's client for a running gateway's admin API (publishes through the config coordinator, rollouts,
 * previews). The gateway is `--url` or LEGATE_URL (default http://localhost:8787, `npm start`); the token is
 * LEGATE_ADMIN_TOKEN, or for a local gateway the ADMIN_TOKEN in .dev.vars, as `wrangler dev` reads it.
 */
import { devVarsAdminToken } from './dev-vars.ts'
import { CliError, EXIT, UsageError } from './exit-codes.ts'

export const DEFAULT_ADMIN_URL = 'http://localhost:8787'
export const ADMIN_OPTIONS = { url: { type: 'string' } } as const

export const ADMIN_HELP = `Gateway:
  --url URL            the gateway's address (default: LEGATE_URL, else ${DEFAULT_ADMIN_URL}, where \`npm start\` listens)
                       Token: LEGATE_ADMIN_TOKEN, or ADMIN_TOKEN from .dev.vars for a local gateway`

export interface AdminTarget {
  url: string
  token: string
}

const isLocal = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)

/** The gateway and token to call, or a usage error that says where to set them. */
export function adminTarget(command: string, urlFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): AdminTarget {
  const raw = urlFlag ?? env.LEGATE_URL ?? DEFAULT_ADMIN_URL
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UsageError(`--url ${raw} is not a URL (e.g. https://api.example.com)`, command)
  }
  const fromFile = isLocal(url) ? /^"?([^"\s]+)"?/.exec(devVarsAdminToken() ?? '')?.[1] : undefined
  const token = env.LEGATE_ADMIN_TOKEN || fromFile
  if (!token)
    throw new UsageError(
      isLocal(url) ? 'no admin token: set LEGATE_ADMIN_TOKEN, or ADMIN_TOKEN in .dev.vars' : `no admin token for ${url.origin}: set LEGATE_ADMIN_TOKEN to the gateway's ADMIN_TOKEN secret`,
      command
    )
  return { url: url.origin, token }
}

export interface AdminReply {
  status: number
  body: Record<string, any>
}

/** One admin call. A gateway that cannot be reached, or a reply that is not JSON, exits 3 with what to check. */
export async function adminCall(t: AdminTarget, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<AdminReply> {
  let res: Response
  try {
    res = await fetch(`${t.url}/__legate${path}`, {
      method,
      headers: { authorization: `Bearer ${t.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (e) {
    throw new CliError(`could not reach the gateway at ${t.url}: ${(e as Error).message}`, EXIT.KV, [
      t.url === DEFAULT_ADMIN_URL ? '  Is `npm start` running? Or give the deployed gateway with --url.' : '  Check the URL and that the Worker is deployed.',
    ])
  }
  const text = await res.text()
  let parsed: Record<string, any>
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new CliError(`the gateway at ${t.url} answered ${res.status} with something that is not the admin API's JSON`, EXIT.KV, [`  It said: ${text.slice(0, 200)}`])
  }
  if (res.status === 401 || (res.status === 404 && parsed.code === 'ERR_ROUTE_NOT_FOUND' && /admin API is off/.test(parsed.detail ?? '')))
    throw new CliError(`the gateway at ${t.url} refused the admin token: ${parsed.detail}`, EXIT.USAGE, ['  Set LEGATE_ADMIN_TOKEN to the gateway\'s ADMIN_TOKEN.'])
  return { status: res.status, body: parsed }
}

/** A problem reply the command does not handle itself: its detail, exit 4 for a refusal (409), 3 otherwise. */
export function replyError(r: AdminReply): CliError {
  const hints = (r.body.issues as { path: string; message: string }[] | undefined)?.map((i) => `  ${i.path}: ${i.message}`) ?? []
  return new CliError(`${r.body.detail ?? `the admin API answered ${r.status}`}${r.body.code ? ` (${r.body.code})` : ''}`, r.status === 409 ? EXIT.REFUSED : r.status === 400 ? EXIT.INVALID : EXIT.KV, hints)
}
