/** @module body_limit filter config (Envoy `buffer` filter's `max_request_bytes`, without buffering). */
import * as z from 'zod'
import { declareStats } from '../types.ts'

/** Envoy HCM's `downstream_rq_too_large`. Its replies use the core's ERR_BODY_TOO_LARGE. */
export const BODY_LIMIT_STATS = declareStats('body_limit', {
  rq_too_large: 'requests refused with 413: Content-Length or the streamed count over max_request_bytes',
})

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
