/**
 * @module Rollout options as query parameters (`PUT /__legate/config?canary=5&bake=5m`), the form the CLI sends:
 * `canary=P` (one step) or `steps=1,5,25,100`, `bake`, `judge_interval`, `assign=client|header:NAME|cookie:NAME`,
 * and any guardrail by its name (`max_5xx_increase=0.01`). No `canary` and no `steps`: not a canary publish.
 */
import { guardrailsSchema, type RolloutOptions, rolloutOptionsSchema } from './schema.ts'

export const ROLLOUT_PARAMS = ['canary', 'steps', 'bake', 'judge_interval', 'assign', ...Object.keys(guardrailsSchema.shape)] as const

export type ParsedRollout = { ok: true; options: RolloutOptions | undefined } | { ok: false; issues: { path: string; message: string }[] }

const num = (v: string) => (v.trim() === '' ? NaN : Number(v))

export function parseRolloutParams(q: Readonly<Record<string, string | undefined>>): ParsedRollout {
  if (q.canary === undefined && q.steps === undefined) {
    const stray = ROLLOUT_PARAMS.filter((k) => q[k] !== undefined)
    return stray.length ? { ok: false, issues: stray.map((k) => ({ path: k, message: 'only with canary= or steps=' })) } : { ok: true, options: undefined }
  }
  if (q.canary !== undefined && q.steps !== undefined) return { ok: false, issues: [{ path: 'canary', message: 'give canary= (one step) or steps=, not both' }] }
  const steps = q.steps !== undefined ? q.steps.split(',').map(num) : [num(q.canary!)]
  const assign = q.assign === undefined ? undefined : q.assign === 'client' ? { by: 'client' } : (([by, ...rest]) => ({ by, name: rest.join(':') }))(q.assign.split(':'))
  const guardrails = Object.fromEntries(Object.keys(guardrailsSchema.shape).flatMap((k) => (q[k] === undefined ? [] : [[k, num(q[k]!)]])))
  const input = { steps, ...(q.bake !== undefined ? { bake: q.bake } : {}), ...(q.judge_interval !== undefined ? { judge_interval: q.judge_interval } : {}), ...(assign ? { assign } : {}), guardrails }
  const parsed = rolloutOptionsSchema.safeParse(input)
  if (parsed.success) return { ok: true, options: parsed.data }
  return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })) }
}

/** `If-Match: "12"` or `12` → 12; absent → undefined; anything else → NaN (refused by the caller). */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  const m = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(header)
  return m ? Number(m[1]) : NaN
}
