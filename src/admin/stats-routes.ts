/**
 * @module Admin stats: `GET /stats` (JSON; `filter` regex, `usedonly`, `format=prometheus`) and
 * `GET /stats/prometheus` (text format 0.0.4). Both flush this isolate first, then read every Stats shard.
 */
import type { Context } from 'hono'
import * as z from 'zod'
import type { Snapshot } from '../snapshot/compile.ts'
import { problem } from '../http/problem.ts'
import { checkSafeRegex, compileSearch } from '../lib/safe-regex.ts'
import { DEFAULT_OBSERVABILITY } from '../observability/config.ts'
import { type KnownNames, toPrometheus } from '../observability/prometheus.ts'
import { readGatewayStats, selectStats, toStatsJson } from '../observability/read.ts'
import { type AdminApp, type AdminDeps, type AdminEnv, liveSnapshot, onlyMethods, validQuery } from './context.ts'

const flag = z
  .string()
  .optional()
  .transform((v) => v !== undefined && v !== 'false' && v !== '0')

const statsQuery = z.object({
  /** RE2 regex matched anywhere in stat names (Envoy), in linear time: operator input must not stall the isolate. */
  filter: z
    .string()
    .max(1000)
    .optional()
    .superRefine((s, ctx) => {
      const err = s === undefined ? undefined : checkSafeRegex(s)
      if (err) ctx.addIssue({ code: 'custom', message: err })
    }),
  usedonly: flag,
  format: z.enum(['json', 'prometheus']).default('json'),
  /** `disjoint`: each histogram also lists its non-empty buckets (JSON only; the dashboard uses them). */
  histogram_buckets: z.enum(['none', 'disjoint']).default('none'),
})

/** Names of the live config, for Prometheus tag extraction. */
function knownNames(snapshot: Snapshot | undefined): KnownNames {
  const routes = new Map<string, string[]>()
  for (const vh of snapshot?.config.virtual_hosts ?? []) routes.set(vh.name, vh.routes.map((r, i) => r.name ?? `${vh.name}/${i}`))
  return { clusters: snapshot ? [...snapshot.clusters.keys()] : [], routes }
}

async function respond(deps: AdminDeps, c: Context<AdminEnv>, query: z.output<typeof statsQuery>, format: 'json' | 'prometheus') {
  const snapshot = await liveSnapshot(deps, c)
  const settings = snapshot?.config.observability?.stats ?? DEFAULT_OBSERVABILITY.stats
  const stats = await readGatewayStats(c.env, deps.flusher, settings)
  if (stats.failedShards.length === stats.shards)
    return problem({ code: 'ERR_ADMIN_BACKEND', detail: `none of the ${stats.shards} Stats Durable Objects answered; try again.`, requestId: c.get('requestId') })
  const options = { usedonly: query.usedonly, buckets: query.histogram_buckets === 'disjoint', ...(query.filter !== undefined ? { filter: compileSearch(query.filter) } : {}) }
  if (format === 'json') return c.json(toStatsJson(stats, options))
  const text = toPrometheus(selectStats(stats.snapshot, options), knownNames(snapshot))
  return c.body(text, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
}

export function registerStatsRoutes(app: AdminApp, deps: AdminDeps): void {
  app.get('/stats', (c) => {
    const q = validQuery(c, statsQuery)
    return q instanceof Response ? q : respond(deps, c, q, q.format)
  })
  app.get('/stats/prometheus', (c) => {
    const q = validQuery(c, statsQuery)
    return q instanceof Response ? q : respond(deps, c, q, 'prometheus')
  })
  onlyMethods(app, '/stats', ['GET'])
  onlyMethods(app, '/stats/prometheus', ['GET'])
}
