/** @module fault filter config (Envoy `HTTPFault`: delay and abort injection). */
import * as z from 'zod'
import { duration } from '../../config/primitives.ts'
import { declareStats } from '../types.ts'

/** Envoy's `fault.*` stats. */
export const FAULT_STATS = declareStats('fault', {
  delays_injected: 'requests held by an injected delay (flag DI)',
  aborts_injected: 'requests answered by an injected abort (flag FI)',
  faults_overflow: 'faults not injected because max_active_faults were already active',
})

export const FAULT_ERRORS = {
  ERR_FAULT_ABORT: { status: 503, flag: 'FI', title: 'Aborted by fault injection' },
} as const

/** Share of requests, 0 to 100 (fractions allowed: 0.5 = one request in 200). */
const percentage = z.number().min(0).max(100)

/** Abort the request with a local reply. At least one of `http_status`, `header_abort`. */
export const faultAbort = z
  .strictObject({
    /** Status of the `ERR_FAULT_ABORT` problem reply, 200..599. Required unless `header_abort`. */
    http_status: z.number().int().min(200).max(599).optional(),
    /** Share of requests aborted. @default 100 */
    percentage: percentage.default(100),
    /**
     * Let the request choose: `x-envoy-fault-abort-request: <status>` (overrides `http_status`; without the header
     * and without `http_status` nothing is aborted) and `x-envoy-fault-abort-request-percentage: <0..100>`
     * (capped by `percentage`). Test environments only: any client can trigger it. @default false
     */
    header_abort: z.boolean().default(false),
  })
  .refine((a) => a.http_status !== undefined || a.header_abort, 'set http_status, header_abort or both')

/** Hold the request before it goes on. At least one of `fixed_delay`, `header_delay`. */
export const faultDelay = z
  .strictObject({
    /** How long, e.g. "200ms", "2s". Required unless `header_delay`. */
    fixed_delay: duration.optional(),
    /** Share of requests delayed. @default 100 */
    percentage: percentage.default(100),
    /**
     * Let the request choose: `x-envoy-fault-delay-request: <ms>` (overrides `fixed_delay`) and
     * `x-envoy-fault-delay-request-percentage: <0..100>` (capped by `percentage`). Test environments only.
     * @default false
     */
    header_delay: z.boolean().default(false),
  })
  .refine((d) => d.fixed_delay !== undefined || d.header_delay, 'set fixed_delay, header_delay or both')

/**
 * `fault` config. The delay (if chosen) runs first, then the abort is decided. Each is drawn independently.
 * `{}` is a valid (no-op) config, so a route can enable the filter with `true` and override later.
 */
export const faultConfig = z.strictObject({
  /** @default unset: never abort */
  abort: faultAbort.optional(),
  /** @default unset: never delay */
  delay: faultDelay.optional(),
  /**
   * Inject no fault while this many requests are being delayed in this isolate (all routes together); aborts
   * are instantaneous and only count against the limit. @default unset: no limit
   */
  max_active_faults: z.number().int().min(0).optional(),
})

/** Parsed `fault` config. */
export type FaultConfig = z.output<typeof faultConfig>
