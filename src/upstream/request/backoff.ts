/**
 * @module Retry back-off, Envoy's formulas: fully jittered exponential back-off, and rate-limited back-off that
 * waits what the upstream asks for (`Retry-After`, `X-RateLimit-Reset`) within a cap. Pure; randomness injected.
 */

/** A float in [0, 1). */
export type Random = () => number

/**
 * Envoy JitteredExponentialBackOffStrategy: retry n (1-based) waits uniformly in [0, (2^n − 1) × base), capped
 * at `max`.
 * @example exponentialBackoff(2, 25, 250, () => 0.5) // 37 (in [0, 75))
 */
export function exponentialBackoff(retry: number, baseMs: number, maxMs: number, random: Random): number {
  const ceiling = (2 ** Math.min(retry, 30) - 1) * baseMs
  return Math.min(Math.floor(random() * ceiling), maxMs)
}

/** One header of `rate_limited_retry_back_off.reset_headers`. */
export interface ResetHeader {
  name: string
  format: 'SECONDS' | 'UNIX_TIMESTAMP'
}

/**
 * The wait the upstream asks for: the first reset header that parses to an interval ≤ `maxMs`, jittered to
 * [interval, 1.5 × interval) as Envoy does. Undefined when none applies (use exponential back-off).
 * @param nowMs - wall clock, for UNIX_TIMESTAMP headers.
 */
export function rateLimitedBackoff(
  headers: Headers,
  resetHeaders: readonly ResetHeader[],
  maxMs: number,
  nowMs: number,
  random: Random
): number | undefined {
  for (const h of resetHeaders) {
    const raw = headers.get(h.name)?.trim()
    if (!raw || !/^\d+$/.test(raw)) continue
    const n = Number(raw)
    const interval = h.format === 'SECONDS' ? n * 1000 : n * 1000 - nowMs
    if (interval <= 0 || interval > maxMs) continue
    return Math.floor(interval + random() * interval * 0.5)
  }
  return undefined
}
