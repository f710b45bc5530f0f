/**
 * @module Admin config endpoints: `GET /status`, `GET /ready`, `GET /config_dump` (secrets redacted),
 * `GET /config/history`, `PUT /config` (validated like `legate validate`; invalid → 400 with every issue and
 * nothing written) and `POST /config/rollback` (old content as a new version). A write refreshes this
 * isolate's store at once; other isolates pick it up within `refresh_interval` (plus KV propagation).
 */
import { bodyLimit } from 'hono/body-limit'
import * as z from 'zod'
import { configHash, publishConfig } from '../config/publish.ts'
import { type ConfigPointer, POINTER_KEY, type StoredConfig, VERSION_PREFIX, versionKey } from '../config/store-keys.ts'
import { validateConfig } from '../snapshot/validate.ts'
import { problem } from '../http/problem.ts'
import { type AdminApp, type AdminDeps, liveSnapshot, onlyMethods } from './context.ts'
import { redactSecrets } from './redact.ts'

/** Largest route table accepted by PUT /config. */
export const MAX_CONFIG_BYTES = 5 * 1024 * 1024

const rollbackBody = z.strictObject({
  /** The version whose content becomes live again. @default the version before the live one */
  version: z.number().int().min(1).optional(),
})

type Kv = KVNamespace

/** Makes this isolate serve `version` now (a refresh already in flight may predate the write: run another). */
async function refreshTo(deps: AdminDeps, kv: Kv, version: number) {
  await deps.store.refresh(kv)
  if ((deps.store.status().live_version ?? 0) < version) await deps.store.refresh(kv)
  return deps.store.status()
}

export function registerConfigRoutes(app: AdminApp, deps: AdminDeps): void {
  const rid = (c: { get(k: 'requestId'): string }) => c.get('requestId')

  /** Live config version, update counters and the last refused version with every error. */
  app.get('/status', (c) => c.json({ config: deps.store.status() }))

  /** Envoy /ready: 200 once a config is live, 503 before. */
  app.get('/ready', async (c) => {
    const snapshot = await liveSnapshot(deps, c)
    return snapshot ? c.json({ state: 'LIVE', version: snapshot.version }) : c.json({ state: 'PRE_INITIALIZING', version: null }, 503)
  })

  app.get('/config_dump', async (c) => {
    const snapshot = await liveSnapshot(deps, c)
    return c.json({ version: snapshot?.version ?? null, status: deps.store.status(), config: snapshot ? redactSecrets(snapshot.config) : null })
  })

  app.get('/config/history', async (c) => {
    const kv = c.env.CONFIG
    const versions: { version: number; pushed_at: string | null; source: string | null; sha256: string | null; live: boolean }[] = []
    const pointer = await kv.get<ConfigPointer>(POINTER_KEY, 'json')
    let cursor: string | undefined
    do {
      const page: KVNamespaceListResult<Partial<StoredConfig>> = await kv.list({ prefix: VERSION_PREFIX, ...(cursor ? { cursor } : {}) })
      for (const k of page.keys) {
        const version = Number(k.name.slice(VERSION_PREFIX.length))
        const m = k.metadata ?? {}
        versions.push({ version, pushed_at: m.pushed_at ?? null, source: m.source ?? null, sha256: m.sha256 ?? null, live: version === pointer?.version })
      }
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor)
    return c.json({ live_version: pointer?.version ?? null, versions: versions.reverse() })
  })

  app.put('/config', bodyLimit({ maxSize: MAX_CONFIG_BYTES, onError: (c) => problem({ code: 'ERR_BODY_TOO_LARGE', detail: `a route table is at most ${MAX_CONFIG_BYTES} bytes.`, requestId: rid(c) }) }), async (c) => {
    let body: unknown
    try {
      body = JSON.parse(await c.req.text())
    } catch (e) {
      return problem({ code: 'ERR_CONFIG_INVALID', detail: `the body is not JSON: ${(e as Error).message}. Send the route table as JSON.`, requestId: rid(c), extra: { issues: [{ path: '(root)', message: 'not JSON' }] } })
    }
    const result = validateConfig(body, deps.filters)
    if (!result.ok)
      return problem({ code: 'ERR_CONFIG_INVALID', detail: `the route table has ${result.issues.length} error(s); nothing was written and the live config is unchanged.`, requestId: rid(c), extra: { issues: result.issues } })
    const kv = c.env.CONFIG
    const live = await kv.get<ConfigPointer>(POINTER_KEY, 'json')
    if (live && live.sha256 === (await configHash(body))) return c.json({ status: 'unchanged', version: live.version, live_version: deps.store.status().live_version })
    const pointer = await publishConfig(kv, body, 'admin')
    const status = await refreshTo(deps, kv, pointer.version)
    return c.json({ status: 'published', ...pointer, live_version: status.live_version })
  })

  app.post('/config/rollback', async (c) => {
    const text = await c.req.text()
    let input: unknown = {}
    try {
      if (text.trim()) input = JSON.parse(text)
    } catch {
      input = null
    }
    const parsed = rollbackBody.safeParse(input)
    if (!parsed.success) return problem({ code: 'ERR_BAD_REQUEST', detail: 'the body is optional; when present it is JSON: { "version": <number> }.', requestId: rid(c) })
    const kv = c.env.CONFIG
    const live = await kv.get<ConfigPointer>(POINTER_KEY, 'json')
    const target = parsed.data.version ?? (live ? live.version - 1 : 0)
    const notFound = (detail: string) => problem({ code: 'ERR_CONFIG_VERSION_NOT_FOUND', detail, requestId: rid(c) })
    if (!live) return notFound('nothing to roll back: no version is live.')
    if (target < 1) return notFound(`version ${live.version} is the first one: there is nothing before it.`)
    const stored = target <= live.version ? await kv.get<StoredConfig>(versionKey(target), 'json') : null
    if (!stored) return notFound(`version ${target} does not exist (see GET /__legate/config/history).`)
    const result = validateConfig(stored.config, deps.filters)
    if (!result.ok)
      return problem({ code: 'ERR_CONFIG_INVALID', detail: `version ${target} no longer validates with this build's filters; nothing was written.`, requestId: rid(c), extra: { issues: result.issues } })
    const pointer = await publishConfig(kv, stored.config, `rollback of ${target}`)
    const status = await refreshTo(deps, kv, pointer.version)
    return c.json({ status: 'published', rolled_back_to: target, ...pointer, live_version: status.live_version })
  })

  for (const path of ['/status', '/ready', '/config_dump', '/config/history']) onlyMethods(app, path, ['GET'])
  onlyMethods(app, '/config', ['PUT'])
  onlyMethods(app, '/config/rollback', ['POST'])
}
