/**
 * @module Entry for bench/instructions.mjs: Legate's gateway driven from inside its own isolate, so that one
 * isolate, with one JIT state, serves every variant being compared (separate Workers differ by several percent
 * from their JIT decisions alone, more than the costs being measured).
 *
 * A request whose host is `<V>.variant.bench` goes to a gateway instance kept for variant V, with `env.CONFIG`
 * replaced by the KV namespace bound as `CONFIG_<V>` (each seeded with that variant's route table; their virtual
 * host matches every domain). The request itself is passed on untouched, so the downstream HTTP work is the same
 * as a user's. `<V>-base` runs on the baseline's gateway (bench/instructions.mjs --baseline).
 * `bare.variant.bench` is the bare pass-through Worker's work (bench/workers/bare.js), done in this same isolate:
 * the yardstick for what the gateway adds over the platform. `floor-*.variant.bench` is one of the hand-written
 * floor Workers of bench/workers/floor.js (the cheapest Worker doing a route's work; issues 17 and 18), also in
 * this isolate. Everything else goes to the real Worker.
 */
import { createGateway } from '../../src/gateway.ts'
// bench/instructions.mjs resolves this to the gateway of `--baseline REF` (or to this tree's): the `<V>-base` variants.
// @ts-ignore: an esbuild alias, not a module TypeScript can see
import * as baseline from 'legate-baseline'
import gateway from '../../src/worker.ts'
import type { Env } from '../../src/env.ts'
import { FLOOR } from './floor.js'

export * from '../../src/worker.ts'

const SUFFIX = '.variant.bench'
type Handler = (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>
/**
 * Each variant's handler, resolved on its first request: every later one costs the same Map lookup, whatever the
 * variant (a keyed read of FLOOR, a large object, cost Legate's variants a generic property load the bare one skipped).
 */
const handlers = new Map<string, Handler>()

function handlerFor(variant: string, env: Env): Handler {
  if (variant === 'bare')
    return (request) => {
      const url = new URL(request.url)
      return fetch((env as unknown as { UPSTREAM: string }).UPSTREAM + url.pathname + url.search, request)
    }
  const floor = (FLOOR as unknown as Record<string, Handler | undefined>)[variant]
  if (floor) return floor
  const kv = (env as unknown as Record<string, KVNamespace | undefined>)[`CONFIG_${variant}`]
  if (!kv) return () => Response.json({ error: `no KV namespace bound as CONFIG_${variant}` }, { status: 400 })
  const create = variant.endsWith('-base') ? (baseline as { createGateway: typeof createGateway }).createGateway : createGateway
  const gw = create()
  const variantEnv = { ...env, CONFIG: kv }
  return (request, _env, ctx) => gw.fetch(request, variantEnv, ctx)
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    const host = request.headers.get('host') ?? ''
    if (!host.endsWith(SUFFIX)) return gateway.fetch(request, env, ctx)
    const variant = host.slice(0, -SUFFIX.length)
    let handler = handlers.get(variant)
    if (!handler) handlers.set(variant, (handler = handlerFor(variant, env)))
    return handler(request, env, ctx)
  },
}
