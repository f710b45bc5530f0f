/** @module What a limit answers for one request or lease, whatever the algorithm. */

/** The answer of a limit: allowed or not, what is left, and when quota comes back (milliseconds from now). */
export interface Outcome {
  allowed: boolean
  /** Quota left after this operation (for a sliding window, the estimate rounded down). */
  remaining: number
  /** Until the quota next grows: the next fill, or the end of the current window. 0 when nothing is used. */
  resetMs: number
  /** Until a request of the same cost would be allowed; 0 when allowed. */
  retryAfterMs: number
}
