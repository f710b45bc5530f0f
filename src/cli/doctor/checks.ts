/**
 * @module What a deploy of Legate needs from a wrangler environment, as pure checks over the resolved config
 * (wrangler's own reading: `[env.NAME]` does not inherit bindings) and a few facts about the project. Each check
 * says what to do when it does not pass.
 */

/** The fields of wrangler's resolved config the checks read. */
export interface ResolvedConfig {
  name?: string
  main?: string
  compatibility_date?: string
  kv_namespaces: { binding: string; id?: string }[]
  durable_objects: { bindings: { name: string; class_name: string; script_name?: string }[] }
  migrations: { tag: string; new_classes?: string[]; new_sqlite_classes?: string[]; deleted_classes?: string[]; renamed_classes?: { from: string; to: string }[] }[]
  vars: Record<string, unknown>
  routes?: unknown[]
  route?: unknown
  workers_dev?: boolean
  observability?: { enabled?: boolean; logs?: { enabled?: boolean } }
  analytics_engine_datasets: { binding: string; dataset?: string }[]
}

/** What the checks know besides the config. */
export interface ProjectFacts {
  /** `--env NAME`, if any. */
  env?: string
  /** Whether `main` (relative to the project) exists on disk. */
  mainExists: boolean
  /** Today, YYYY-MM-DD. */
  today: string
  /** Whether .dev.vars (or .dev.vars.<env>) sets ADMIN_TOKEN. */
  localAdminToken: boolean
  /** With --remote: the names of the Worker's secrets, or why they could not be listed. */
  remoteSecrets?: { names: string[] } | { error: string }
  /** With --remote: the account's KV namespace ids, or why they could not be listed. */
  remoteNamespaces?: { ids: string[] } | { error: string }
}

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info'
export interface Check {
  name: string
  status: CheckStatus
  message: string
  /** What to do, when the status is not ok. */
  fix?: string
}

/** The compatibility date Legate's tests run at (this repository's wrangler.toml; a test keeps them equal). */
export const TESTED_COMPATIBILITY_DATE = '2026-04-26'
/** Binding → class: the Durable Objects src/env.ts declares. */
export const REQUIRED_OBJECTS: Readonly<Record<string, string>> = { CLUSTER_HEALTH: 'ClusterHealth', RATE_LIMITER: 'RateLimiter', STATS: 'Stats', RECORDER: 'Recorder', CONFIG_COORDINATOR: 'ConfigCoordinator' }
const PLACEHOLDER_ID = /^0+$/

export function runChecks(c: ResolvedConfig, p: ProjectFacts): Check[] {
  const section = p.env ? `env.${p.env}.` : ''
  const envFlag = p.env ? ` --env ${p.env}` : ''
  const notInherited = p.env ? ` ([env.${p.env}] does not inherit top-level bindings)` : ''
  const checks: Check[] = []
  const add = (name: string, status: CheckStatus, message: string, fix?: string) => checks.push({ name, status, message, ...(fix ? { fix } : {}) })

  if (p.mainExists) add('main', 'ok', `entry ${c.main}`)
  else add('main', 'fail', `the entry point ${c.main ?? '(main is not set)'} does not exist`, 'set main = "src/worker.ts" (or your own entry) in wrangler.toml')

  const date = c.compatibility_date
  if (!date) add('compatibility_date', 'fail', 'compatibility_date is not set', `add compatibility_date = "${TESTED_COMPATIBILITY_DATE}"`)
  else if (date > p.today) add('compatibility_date', 'fail', `${date} is in the future: deploys are refused`, `use ${TESTED_COMPATIBILITY_DATE}, the date Legate is tested at`)
  else if (date < TESTED_COMPATIBILITY_DATE)
    add('compatibility_date', 'warn', `${date} is older than ${TESTED_COMPATIBILITY_DATE}, the date Legate is tested at`, `set compatibility_date = "${TESTED_COMPATIBILITY_DATE}" unless you have a reason`)
  else add('compatibility_date', 'ok', date)

  const kv = c.kv_namespaces.find((k) => k.binding === 'CONFIG')
  if (!kv) add('kv CONFIG', 'fail', `no KV namespace bound as CONFIG${notInherited}`, `npx wrangler kv namespace create CONFIG${envFlag}, then add [[${section}kv_namespaces]] binding = "CONFIG" id = "<the id it prints>"`)
  else if (!kv.id || PLACEHOLDER_ID.test(kv.id))
    add('kv CONFIG', 'fail', `the CONFIG namespace id is ${kv.id ? `the placeholder ${kv.id}` : 'missing'}`, `npx wrangler kv namespace create CONFIG${envFlag} and put the id it prints in [[${section}kv_namespaces]]`)
  else if (p.remoteNamespaces && 'error' in p.remoteNamespaces) add('kv CONFIG', 'warn', `namespace ${kv.id}; could not list the account's namespaces: ${p.remoteNamespaces.error}`)
  else if (p.remoteNamespaces && !p.remoteNamespaces.ids.includes(kv.id))
    add('kv CONFIG', 'fail', `namespace ${kv.id} is not in your account`, `use an id from npx wrangler kv namespace list, or create one with npx wrangler kv namespace create CONFIG${envFlag}`)
  else add('kv CONFIG', 'ok', `namespace ${kv.id}${p.remoteNamespaces ? ' (in your account)' : ''}`)

  const bound = new Map(c.durable_objects.bindings.map((b) => [b.name, b]))
  for (const [binding, className] of Object.entries(REQUIRED_OBJECTS)) {
    const b = bound.get(binding)
    const snippet = `[[${section}durable_objects.bindings]] name = "${binding}" class_name = "${className}"`
    if (!b) add(`durable object ${binding}`, 'fail', `no Durable Object binding ${binding}${notInherited}`, `add ${snippet}`)
    else if (b.class_name !== className || b.script_name) add(`durable object ${binding}`, 'fail', `${binding} is bound to ${b.script_name ? `${b.script_name}'s ` : ''}${b.class_name}, not this Worker's ${className}`, `use ${snippet}`)
    else add(`durable object ${binding}`, 'ok', className)
  }

  const sqlite = new Set<string>()
  const kvBacked = new Set<string>()
  for (const m of c.migrations) {
    for (const n of m.new_sqlite_classes ?? []) sqlite.add(n)
    for (const n of m.new_classes ?? []) kvBacked.add(n)
    for (const r of m.renamed_classes ?? []) if (sqlite.delete(r.from)) sqlite.add(r.to)
    for (const n of m.deleted_classes ?? []) sqlite.delete(n)
  }
  const missing = Object.values(REQUIRED_OBJECTS).filter((n) => !sqlite.has(n))
  if (missing.some((n) => kvBacked.has(n)))
    add('migrations', 'fail', `${missing.filter((n) => kvBacked.has(n)).join(', ')} created with new_classes: Legate's objects need SQLite storage`, 'a class cannot change storage after deploy; create them with new_sqlite_classes in a new migration tag before the first deploy')
  else if (missing.length) add('migrations', 'fail', `no migration creates ${missing.join(', ')}`, `add [[migrations]] tag = "v${c.migrations.length + 1}" new_sqlite_classes = ${JSON.stringify(missing)}`)
  else add('migrations', 'ok', `SQLite classes ${Object.values(REQUIRED_OBJECTS).join(', ')}`)

  if ('ADMIN_TOKEN' in c.vars)
    add('ADMIN_TOKEN', 'fail', 'ADMIN_TOKEN is a [vars] entry: it would be deployed in clear text and conflicts with the secret of that name', `remove it from [${section}vars] and run npx wrangler secret put ADMIN_TOKEN${envFlag}`)
  else if (!p.remoteSecrets)
    add('ADMIN_TOKEN', p.localAdminToken ? 'ok' : 'warn', p.localAdminToken ? 'set for local runs in .dev.vars (add --remote to check the deployed secret)' : 'not in .dev.vars: locally the admin API and dashboard answer 404', p.localAdminToken ? undefined : 'add ADMIN_TOKEN=<a long random token> to .dev.vars')
  else if ('error' in p.remoteSecrets) add('ADMIN_TOKEN', 'fail', `could not list the Worker's secrets: ${p.remoteSecrets.error}`, 'log in with npx wrangler login, or set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID)')
  else if (p.remoteSecrets.names.includes('ADMIN_TOKEN')) add('ADMIN_TOKEN', 'ok', 'set as a secret of the deployed Worker')
  else add('ADMIN_TOKEN', 'warn', 'no ADMIN_TOKEN secret: the admin API and dashboard answer 404 (the gateway itself works)', `npx wrangler secret put ADMIN_TOKEN${envFlag}`)

  const routes = [...(c.routes ?? []), ...(c.route ? [c.route] : [])]
  if (routes.length) add('routes', 'ok', `${routes.length} route${routes.length === 1 ? '' : 's'} or custom domain${routes.length === 1 ? '' : 's'}${c.workers_dev ? ' and workers.dev' : ''}`)
  else if (c.workers_dev === false) add('routes', 'fail', 'no routes and workers_dev = false: the Worker would be reachable nowhere', `add routes = [{ pattern = "api.example.com", custom_domain = true }] under [${section.slice(0, -1) || 'the top level'}]`)
  else add('routes', 'info', `reachable only at ${c.name ?? 'the worker'}.<your subdomain>.workers.dev`, `for your own hostname add routes = [{ pattern = "api.example.com", custom_domain = true }]`)

  if (c.observability?.enabled || c.observability?.logs?.enabled) add('workers logs', 'ok', 'on: access-log lines are kept and searchable in the dashboard')
  else add('workers logs', 'warn', 'off: after deploy, the access log is only visible in `wrangler tail` while it runs', `add [${section}observability] enabled = true`)

  const ae = c.analytics_engine_datasets
  add('analytics engine', 'info', ae.length ? `bound: ${ae.map((d) => `${d.binding} → ${d.dataset ?? d.binding}`).join(', ')}` : 'not bound (optional: for observability.analytics_engine in the route table, add [[analytics_engine_datasets]] binding = "ANALYTICS")')
  return checks
}
