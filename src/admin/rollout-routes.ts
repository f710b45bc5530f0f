/**
 * @module Admin rollout endpoints: `GET /rollout` (the coordinator's view: pointer, rollout, last judgement, next
 * judgement; and this isolate's), `POST /rollout/promote`, `POST /rollout/abort` (body optional:
 * `{ "reason": "…" }`) and `POST /rollout/preview` (`{ "version": N, "ttl": "1h" }` → a signed preview token).
 * Publishing (`PUT /config?canary=…`) is in config-routes.ts; both go through the config coordinator.
 */
import * as z from 'zod'
import { positiveDuration } from '../config/primitives.ts'
import { problem } from '../http/problem.ts'
import type { CoordinatorStatus, Refusal, RolloutActionResult } from '../rollout/publish-protocol.ts'
import { PREVIEW_MAX_TTL_MS, PREVIEW_TOKEN_HEADER, PREVIEW_TTL_MS, PREVIEW_VERSION_HEADER, signPreviewToken } from '../rollout/preview.ts'
import { type AdminApp, type AdminDeps, onlyMethods, optionalJsonBody } from './context.ts'
import type { Env } from '../env.ts'

/** The one coordinator of this gateway. */
export const coordinator = (env: Env) => env.CONFIG_COORDINATOR.getByName('config')

/** A coordinator refusal as a problem reply (409 with what changed, or what is running). */
export function refusalReply(r: Refusal, requestId: string): Response {
  return problem({ code: r.code, detail: r.message, requestId, extra: { live_version: r.live_version ?? null, ...(r.published_since ? { published_since: r.published_since } : {}) } })
}

const reasonBody = z.strictObject({ reason: z.string().min(1).max(500).optional() })
const previewBody = z.strictObject({
  version: z.number().int().min(1),
  /** @default 1h */
  ttl: positiveDuration.refine((ms) => ms <= PREVIEW_MAX_TTL_MS, 'at most 24h').optional(),
})

export function registerRolloutRoutes(app: AdminApp, deps: AdminDeps): void {
  const rid = (c: { get(k: 'requestId'): string }) => c.get('requestId')

  app.get('/rollout', async (c) => {
    const status = (await coordinator(c.env).status()) as CoordinatorStatus
    return c.json({ ...status, isolate: deps.store.status() })
  })

  for (const action of ['promote', 'abort'] as const)
    app.post(`/rollout/${action}`, async (c) => {
      const parsed = await optionalJsonBody(c.req.raw, reasonBody)
      if (!parsed.success) return problem({ code: 'ERR_BAD_REQUEST', detail: 'the body is optional; when present it is JSON: { "reason": "…" }.', requestId: rid(c) })
      const reason = parsed.data.reason ?? `${action === 'promote' ? 'promoted' : 'aborted'} by an operator (admin API)`
      const result = (action === 'promote' ? await coordinator(c.env).promote(reason) : await coordinator(c.env).abort(reason)) as RolloutActionResult
      if (!result.ok) return refusalReply(result, rid(c))
      await deps.store.refresh(c.env.CONFIG)
      return c.json({ status: result.event.kind, pointer: result.pointer, event: result.event, isolate: deps.store.status() })
    })

  app.post('/rollout/preview', async (c) => {
    const parsed = await optionalJsonBody(c.req.raw, previewBody)
    if (!parsed.success)
      return problem({ code: 'ERR_BAD_REQUEST', detail: `the body is JSON: { "version": <number>, "ttl": "1h" } (ttl optional, at most 24h): ${parsed.error.issues[0]?.message}`, requestId: rid(c) })
    const expiresAt = deps.now() + (parsed.data.ttl ?? PREVIEW_TTL_MS)
    const token = await signPreviewToken(c.env.ADMIN_TOKEN!, parsed.data.version, expiresAt)
    return c.json({ version: parsed.data.version, token, expires_at: new Date(expiresAt).toISOString(), headers: { [PREVIEW_VERSION_HEADER]: String(parsed.data.version), [PREVIEW_TOKEN_HEADER]: token } })
  })

  onlyMethods(app, '/rollout', ['GET'])
  for (const p of ['/rollout/promote', '/rollout/abort', '/rollout/preview']) onlyMethods(app, p, ['POST'])
}
