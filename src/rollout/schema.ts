/**
 * @module What a canary rollout is: the options a publish names (steps, bake time, how clients are assigned,
 * guardrails), with their defaults and why, and the state the config pointer carries while one runs.
 */
import * as z from 'zod'
import { positiveDuration } from '../config/primitives.ts'

/**
 * Guardrails: the canary is compared with the stable version over the same window (since its step began).
 * A rate guardrail trips when the canary's rate exceeds stable's by more than `max_increase` (absolute, 0..1);
 * latency trips when the canary's p99 is above both `p99_max_ratio` × stable's and stable's + `p99_min_increase`.
 */
export const guardrailsSchema = z.strictObject({
  /**
   * Canary requests before any verdict, overall; a route is judged on its own once it has `min_route_requests`.
   * 100: below that one failed request moves a rate by a percent or more. @default 100
   */
  min_requests: z.number().int().min(1).default(100),
  /** @default 20 */
  min_route_requests: z.number().int().min(1).default(20),
  /** 5xx from the upstream and 5xx the gateway made (timeouts, no healthy upstream, filter faults). @default 0.02 */
  max_5xx_increase: z.number().min(0).max(1).default(0.02),
  /** 401 and 403: a wrong JWT audience or API key list turns 200s into these. @default 0.05 */
  max_auth_denied_increase: z.number().min(0).max(1).default(0.05),
  /** ERR_ROUTE_NOT_FOUND: a deleted or misspelt route. @default 0.02 */
  max_no_route_increase: z.number().min(0).max(1).default(0.02),
  /** @default 1.5 */
  p99_max_ratio: z.number().min(1).default(1.5),
  /** Milliseconds; keeps a 2 ms → 4 ms p99 from tripping. @default 50 */
  p99_min_increase: z.number().min(0).default(50),
})
export type Guardrails = z.output<typeof guardrailsSchema>

/** How a request is assigned to stable or canary: sticky per client for the whole step. */
export const assignSchema = z.discriminatedUnion('by', [
  z.strictObject({ by: z.literal('client') }),
  z.strictObject({ by: z.literal('header'), name: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected a header name') }),
  z.strictObject({ by: z.literal('cookie'), name: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected a cookie name') }),
])
export type Assign = z.output<typeof assignSchema>

/** What `legate push --canary`, `PUT /__legate/config?canary=` and the coordinator accept. */
export const rolloutOptionsSchema = z.strictObject({
  /** Traffic percent per step; the last step is followed by promotion. `--canary 5` is `[5]`. */
  steps: z.array(z.number().gt(0).max(100)).min(1).max(10).refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]!), 'steps must increase'),
  /** How long each step must stay healthy before the next one (or promotion). @default 10m */
  bake: positiveDuration.default(600_000),
  /** How often the coordinator judges. @default 1m */
  judge_interval: positiveDuration.default(60_000),
  /** @default { by: client } */
  assign: assignSchema.default({ by: 'client' }),
  guardrails: guardrailsSchema.prefault({}),
})
export type RolloutOptions = z.output<typeof rolloutOptionsSchema>

/** The rollout as the pointer carries it (config/current). Every isolate reads it; only the coordinator writes it. */
export interface RolloutState extends RolloutOptions {
  /** Unique per rollout: salts the assignment hash, so each rollout picks a different slice of clients. */
  id: string
  canary: { version: number; sha256: string }
  /** Index into `steps`. */
  step: number
  started_at: string
  step_started_at: string
  /** How many Stats shards to read when judging (the stable config's observability.stats.shards). */
  stats_shards: number
}

/** One transition of a rollout, with its reason. */
export interface RolloutEvent {
  at: string
  kind: 'started' | 'step' | 'promoted' | 'rolled_back' | 'aborted'
  /** Canary weight after the transition (0 once it ended without promotion, 100 once promoted). */
  weight: number
  reason: string
  /** For a rollback by a guardrail: the trip (both figures) and the flight recorder's recent requests there. */
  trip?: import('./judge.ts').Trip
  recent_requests?: unknown[]
}

/** A rollout's story (KV config/rollouts/<id> and the coordinator's storage). */
export interface RolloutRecord {
  id: string
  stable: number
  canary: number
  state: 'running' | 'promoted' | 'rolled_back' | 'aborted'
  options: RolloutOptions
  events: RolloutEvent[]
  /** The coordinator's last judgement. */
  last_judgement?: { at: string; verdict: import('./judge.ts').Verdict; canary: import('./judge.ts').VersionFigures; stable: import('./judge.ts').VersionFigures }
}

/** The percent of traffic the canary gets now. */
export const canaryWeight = (r: Pick<RolloutState, 'steps' | 'step'>) => r.steps[Math.min(r.step, r.steps.length - 1)]!
