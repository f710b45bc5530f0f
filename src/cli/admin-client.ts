/**
 * @module The smallest admin-API client: one JSON request to a running gateway's `/__legate` API with the admin
 * token. For what only the Worker can do (its Cache API); everything else in the CLI goes through KV.
 */
import { CliError, EXIT, UsageError } from './exit-codes.ts'

/** npm start's gateway. */
export const DEFAULT_GATEWAY = 'http://127.0.0.1:8787'

export interface AdminTarget {
  /** Gateway origin, e.g. https://api.example.com. */
  gateway: string
  token: string
}

/** `--gateway`/`LEGATE_GATEWAY` and `--token`/`LEGATE_ADMIN_TOKEN`. */
export function adminTarget(command: string, v: { gateway?: string | undefined; token?: string | undefined }, env = process.env): AdminTarget {
  const gateway = (v.gateway ?? env.LEGATE_GATEWAY ?? DEFAULT_GATEWAY).replace(/\/+$/, '')
  if (!/^https?:\/\/[^/]+$/.test(gateway)) throw new UsageError(`--gateway ${JSON.stringify(gateway)}: expected an origin such as https://api.example.com`, command)
  const token = v.token ?? env.LEGATE_ADMIN_TOKEN
  if (!token) throw new UsageError('no admin token: pass --token or set LEGATE_ADMIN_TOKEN (npm start uses dev-admin-token)', command)
  return { gateway, token }
}

/** POSTs `body` as JSON to `/__legate<path>`; the parsed answer, or a CliError (exit 3) with the problem's detail. */
export async function adminPost(target: AdminTarget, path: string, body: unknown): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(`${target.gateway}/__legate${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (e) {
    throw new CliError(`cannot reach the gateway at ${target.gateway}: ${(e as Error).message}`, EXIT.KV, ['Is it running (npm start)? Pass --gateway for another one.'])
  }
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  if (!res.ok) {
    const detail = (parsed as { detail?: string } | undefined)?.detail ?? text.slice(0, 200)
    throw new CliError(`the gateway answered ${res.status}: ${detail}`, res.status === 400 ? EXIT.USAGE : EXIT.KV)
  }
  return parsed
}
