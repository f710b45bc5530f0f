/**
 * @module Which snapshot serves a data-plane request: a preview (the version a request names, with a valid
 * preview token), else during a rollout the canary for its sticky slice of clients, else stable. Synchronous
 * unless the request asks for a preview.
 */
import type { Env } from '../env.ts'
import { trustedClientAddress } from '../http/client.ts'
import { problem } from '../http/problem.ts'
import type { Snapshot } from '../snapshot/compile.ts'
import type { ConfigStore } from '../snapshot/store.ts'
import { inCanary } from './assign.ts'
import { checkPreview, PREVIEW_TOKEN_HEADER, PREVIEW_VERSION_HEADER } from './preview.ts'

/** The snapshot for this request, or a problem reply for a refused preview. No allocation on the common path. */
export function selectSnapshot(store: ConfigStore, stable: Snapshot, request: Request, env: Env, now: number, requestId: string): Snapshot | Response | Promise<Snapshot | Response> {
  const asked = request.headers.get(PREVIEW_VERSION_HEADER)
  if (asked !== null) return preview(store, asked, request, env, now, requestId)
  const canary = store.canary()
  if (!canary) return stable
  const client = trustedClientAddress(request.headers, stable.settings.xff_num_trusted_hops)
  return inCanary(canary.rollout, request.headers, client) ? canary.snapshot : stable
}

/** True while a rollout runs and `served` is one of its two versions: counted in its `rollout.v<N>.*` stats. */
export function inRollout(store: ConfigStore, served: Snapshot, stable: Snapshot): boolean {
  const canary = store.canary()
  return canary !== undefined && (served === stable || served === canary.snapshot)
}

async function preview(store: ConfigStore, asked: string, request: Request, env: Env, now: number, requestId: string): Promise<Snapshot | Response> {
  const version = /^[1-9]\d{0,9}$/.test(asked) ? Number(asked) : NaN
  if (!Number.isInteger(version))
    return problem({ code: 'ERR_BAD_REQUEST', detail: `${PREVIEW_VERSION_HEADER} must be a config version number.`, requestId })
  const refused = await checkPreview(env.ADMIN_TOKEN, request.headers.get(PREVIEW_TOKEN_HEADER), version, now)
  if (refused) return problem({ code: 'ERR_PREVIEW_DENIED', detail: refused, requestId })
  const snapshot = await store.preview(env.CONFIG, version)
  return (
    snapshot ??
    problem({ code: 'ERR_CONFIG_VERSION_NOT_FOUND', detail: `version ${version} cannot be previewed: it is not stored or does not validate (see GET /__legate/status).`, requestId })
  )
}
