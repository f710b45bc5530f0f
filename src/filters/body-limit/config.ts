/** @module body_limit filter config (Envoy `buffer` filter's `max_request_bytes`, without buffering). */
import * as z from 'zod'

/** Per-request counter this filter reports through `rc.state.body_limit` (Envoy HCM `downstream_rq_too_large`). */
export const BODY_LIMIT_STATS = ['rq_too_large'] as const

/** `body_limit` config. */
export const bodyLimitConfig = z.strictObject({
  /**
   * Largest request body accepted, in bytes (≥ 1, as in Envoy). Bigger bodies get 413 `ERR_BODY_TOO_LARGE`:
   * at once when `Content-Length` says so, otherwise as soon as the streamed count passes the limit.
   * Required: there is no safe default. Note Cloudflare's own per-plan cap (100 MB on Free/Pro) applies first.
   */
  max_request_bytes: z.number().int().min(1),
})

/** Parsed `body_limit` config. */
export type BodyLimitConfig = z.output<typeof bodyLimitConfig>
