/**
 * @module Admin config endpoints: `GET /status`, `GET /ready`, `GET /config_dump` (secrets redacted),
 * `GET /config/history`, `PUT /config` (validated like `legate validate`; invalid → 400 with every issue and
 * nothing written) and `POST /config/rollback` (old content as a new version). A write refreshes this
 * isolate's store at once; other isolates pick it up within `refresh_interval` (plus KV propagation).
 */
import * as z from 'zod'
import { type ConfigPointer, POINTER_KEY, rolloutKey, type StoredConfig, VERSION_PREFIX, versionKey } from '../config/store-keys.ts'
import type { RolloutRecord } from '../rollout/schema.ts'
import { validatorFingerprint } from '../snapshot/seal.ts'
import { validateConfig } from '../snapshot/validate.ts'
import type { GatewayConfig } from '../config/schema.ts'
import { DEFAULT_OBSERVABILITY } from '../observability/config.ts'
import { parseIfMatch, parseRolloutParams } from '../rollout/params.ts'
import type { PublishResult } from '../rollout/publish-protocol.ts'
import { coordinator, refusalReply } from './rollout-routes.ts'
import { readCapped } from '../http/body.ts'
import { problem } from '../http/problem.ts'
import { type AdminApp, type AdminDeps, liveSnapshot, onlyMethods, optionalJsonBody } from './context.ts'
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

const statsShards = (config: GatewayConfig) => (config.observability ?? DEFAULT_OBSERVABILITY).stats.shards
const pointerFields = (p: ConfigPointer) => ({ version: p.version, sha256: p.sha256, pushed_at: p.pushed_at })

/** The coordinator's answer to a publish, as the admin API's reply; this isolate serves the result at once. */
async function publishReply(deps: AdminDeps, kv: Kv, r: PublishResult, requestId: string): Promise<Response> {
  if (!r.ok) return refusalReply(r, requestId)
  if (r.status === 'unchanged') return Response.json({ status: 'unchanged', version: r.pointer.version, live_version: deps.store.status().live_version })
  if (r.status === 'canary') {
    const rollout = r.pointer.rollout!
    const status = await refreshTo(deps, kv, r.pointer.version)
    return Response.json({ status: 'canary', version: rollout.canary.version, sha256: rollout.canary.sha256, stable_version: r.pointer.version, rollout, live_version: status.live_version, canary_version: status.canary_version })
  }
  const status = await refreshTo(deps, kv, r.pointer.version)
  return Response.json({ status: 'published', ...pointerFields(r.pointer), live_version: status.live_version })
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
    // Each canary's rollout record (transitions with their reasons), read in parallel: at most the last 20.
    const canaries = versions.filter((v) => v.source === 'admin canary').slice(-20)
    const records = await Promise.all(canaries.map((v) => kv.get<RolloutRecord>(rolloutKey(v.version), 'json').catch(() => null)))
    const byVersion = new Map(canaries.map((v, i) => [v.version, records[i]]))
    return c.json({
      live_version: pointer?.version ?? null,
      canary_version: pointer?.rollout?.canary.version ?? null,
      versions: versions.reverse().map((v) => {
        const r = byVersion.get(v.version)
        return r ? { ...v, rollout: { id: r.id, stable: r.stable, state: r.state, events: r.events.map(({ recent_requests: _, ...e }) => e) } } : v
      }),
    })
  })

  app.put('/config', async (c) => {
    // Refused by its Content-Length before reading, else read up to the limit (a streamed body declares none).
    const bytes = Number(c.req.header('content-length')) > MAX_CONFIG_BYTES ? undefined : await readCapped(c.req.raw.body, MAX_CONFIG_BYTES)
    if (!bytes) return problem({ code: 'ERR_BODY_TOO_LARGE', detail: `a route table is at most ${MAX_CONFIG_BYTES} bytes.`, requestId: rid(c) })
    let body: unknown
    try {
      body = JSON.parse(new TextDecoder().decode(bytes))
    } catch (e) {
      return problem({ code: 'ERR_CONFIG_INVALID', detail: `the body is not JSON: ${(e as Error).message}. Send the route table as JSON.`, requestId: rid(c), extra: { issues: [{ path: '(root)', message: 'not JSON' }] } })
    }
    const result = validateConfig(body, deps.filters)
    if (!result.ok)
      return problem({ code: 'ERR_CONFIG_INVALID', detail: `the route table has ${result.issues.length} error(s); nothing was written and the live config is unchanged.`, requestId: rid(c), extra: { issues: result.issues } })
    const params = parseRolloutParams(c.req.query())
    if (!params.ok)
      return problem({ code: 'ERR_BAD_REQUEST', detail: `invalid rollout parameters: ${params.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, requestId: rid(c), extra: { issues: params.issues } })
    const expectVersion = parseIfMatch(c.req.header('if-match'))
    if (Number.isNaN(expectVersion)) return problem({ code: 'ERR_BAD_REQUEST', detail: 'If-Match names the version this table is based on: If-Match: "12" (0 when nothing is live).', requestId: rid(c) })
    const live = await liveSnapshot(deps, c)
    const result2 = await coordinator(c.env).publish({
      config: body,
      source: params.options ? 'admin canary' : 'admin',
      ...(expectVersion !== undefined ? { expectVersion } : {}),
      ...(params.options ? { rollout: params.options } : {}),
      statsShards: Math.max(statsShards(result.config), live ? statsShards(live.config) : 1),
      validatedBy: await validatorFingerprint(deps.filters),
    })
    return publishReply(deps, c.env.CONFIG, result2, rid(c))
  })

  app.post('/config/rollback', async (c) => {
    const parsed = await optionalJsonBody(c.req.raw, rollbackBody)
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
    const published = await coordinator(c.env).publish({ config: stored.config, source: `rollback of ${target}`, statsShards: statsShards(result.config), validatedBy: await validatorFingerprint(deps.filters) })
    if (published.ok && published.status !== 'unchanged') {
      const status = await refreshTo(deps, kv, published.pointer.version)
      return c.json({ status: 'published', rolled_back_to: target, ...pointerFields(published.pointer), live_version: status.live_version })
    }
    return publishReply(deps, kv, published, rid(c))
  })

  for (const path of ['/status', '/ready', '/config_dump', '/config/history']) onlyMethods(app, path, ['GET'])
  onlyMethods(app, '/config', ['PUT'])
  onlyMethods(app, '/config/rollback', ['POST'])
}
