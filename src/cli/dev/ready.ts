/** @module `npm start` helpers: point the demo's echo cluster at the chosen port, wait for the gateway, the banner. */
import type { FilterFactory } from '../../filters/types.ts'
import { CliError, EXIT } from '../exit-codes.ts'
import { formatIssue } from '../format.ts'
import type { Io } from '../io.ts'
import { checkTable, type ValidTable } from '../table.ts'
import type { Child } from './children.ts'

/** Where routes/demo.yaml expects the echo upstream. */
export const DEMO_ECHO_ORIGIN = 'http://127.0.0.1:8788'
const READY_TIMEOUT_MS = 120_000
const POLL_MS = 250

/** With `--echo-port`, endpoints at the demo echo origin move to that port (the files are not changed). */
export function useEchoPort(table: ValidTable, port: number, filters: readonly FilterFactory[], io: Io): ValidTable {
  const origin = `http://127.0.0.1:${port}`
  if (origin === DEMO_ECHO_ORIGIN) return table
  const raw = structuredClone(table.raw) as { clusters?: { name: string; endpoints: { url?: string }[] }[] }
  const moved: string[] = []
  for (const c of raw.clusters ?? [])
    for (const e of c.endpoints)
      if (e.url !== undefined && new URL(e.url).origin === DEMO_ECHO_ORIGIN) {
        e.url = origin
        moved.push(c.name)
      }
  if (moved.length === 0) return table
  io.out(`Cluster ${[...new Set(moved)].join(', ')}: ${DEMO_ECHO_ORIGIN} -> ${origin} (--echo-port)`)
  const checked = checkTable(raw as Record<string, unknown>, filters, table.files)
  if (!checked.ok) {
    for (const i of checked.issues) io.err(formatIssue(i))
    throw new CliError('the table is invalid after moving the echo port', EXIT.INVALID)
  }
  return checked
}

/** Polls the admin status endpoint until the Worker answers (any HTTP status), wrangler exits, or the deadline. */
export async function waitForGateway(origin: string, token: string, wrangler: Child): Promise<void> {
  let exited = false
  void wrangler.exited.then(() => (exited = true))
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline && !exited) {
    try {
      await fetch(`${origin}/__legate/status`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) })
      return
    } catch {
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  }
  throw new CliError(
    exited ? 'wrangler dev exited before it was ready (see its output above)' : `wrangler dev did not answer on ${origin} within ${READY_TIMEOUT_MS / 1000} s`,
    EXIT.KV
  )
}

export function banner(o: { origin: string; echoPort: number; version: number; routes: string; refresh: string; persistFlag: string; token: string }): string {
  return `
  Legate is running on ${o.origin}  (config version ${o.version} from ${o.routes}/, echo upstream on 127.0.0.1:${o.echoPort})

  Try:
    curl ${o.origin}/hello
    curl '${o.origin}/echo/anything?x=1'
    curl ${o.origin}/users/42
    curl -i ${o.origin}/old-docs
    curl -i -H 'Origin: http://localhost:3000' ${o.origin}/echo/cors
    curl -H 'Authorization: Bearer ${o.token}' ${o.origin}/__legate/status

  Edit ${o.routes}/*.yaml, then \`npx legate push ${o.routes}/${o.persistFlag}\`: the gateway switches within ${o.refresh}.
  \`npx legate history${o.persistFlag}\` lists versions, \`npx legate rollback${o.persistFlag}\` undoes. Ctrl-C stops everything.
`
}
