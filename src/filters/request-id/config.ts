/** @module request_id filter config: echo the request id downstream and copy it to extra upstream headers. */
import * as z from 'zod'
import { headerName } from '../../config/primitives.ts'

/** Headers whose meaning the transport owns: never used to carry the id. */
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer'])

/**
 * `request_id` config. The core generates or validates the id and always sets `x-request-id` upstream; this
 * filter only adds the downstream echo and extra carriers. `{}` is a valid config.
 */
export const requestIdConfig = z.strictObject({
  /**
   * Set `x-request-id` on every response (overwriting an upstream's own), like Envoy's
   * `always_set_request_id_in_response`. @default true
   */
  set_in_response: z.boolean().default(true),
  /**
   * Extra upstream request headers set to the same id, e.g. `x-correlation-id`. Overwrites a client-sent value.
   * Max 16 names; transport headers (`host`, `content-length`, …) are rejected. @default []
   */
  also_as: z
    .array(
      headerName.refine((n) => !RESERVED.has(n.toLowerCase()), {
        message: 'this header is owned by the transport and cannot carry the request id',
      })
    )
    .max(16)
    .default([]),
})

/** Parsed `request_id` config. */
export type RequestIdConfig = z.output<typeof requestIdConfig>
