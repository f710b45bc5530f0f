/**
 * @module Which version serves a request during a rollout. Deterministic and sticky: the same client (trusted
 * address, or the configured header or cookie) hashes to the same bucket for the whole rollout, and a client in
 * the canary at 5 % stays in it at 25 % (the slice only grows). A request without the configured header or
 * cookie falls back to its client address.
 */
import { fnv1a } from '../lib/hash.ts'
import { parseCookies } from '../router/matchers.ts'
import { canaryWeight, type RolloutState } from './schema.ts'

/** 10,000 buckets: weights to 0.01 %. */
const BUCKETS = 10_000


/** The stickiness key of a request under this rollout's `assign` rule. */
export function assignmentKey(r: Pick<RolloutState, 'assign'>, headers: Headers, clientAddress: string): string {
  const a = r.assign
  if (a.by === 'header') return headers.get(a.name) || clientAddress
  if (a.by === 'cookie') return parseCookies(headers.get('cookie')).get(a.name) || clientAddress
  return clientAddress
}

/** True when the request belongs to the canary slice. */
export function inCanary(r: Pick<RolloutState, 'id' | 'assign' | 'steps' | 'step'>, headers: Headers, clientAddress: string): boolean {
  return fnv1a(`${r.id}|${assignmentKey(r, headers, clientAddress)}`) % BUCKETS < canaryWeight(r) * (BUCKETS / 100)
}
