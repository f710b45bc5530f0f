/**
 * @module Benchmark entry for Legate: the real Worker (src/worker.ts, default export and every named export, so
 * Durable Object classes declared in wrangler.toml resolve) plus one thing the benchmark needs, a count of the
 * Durable Object calls the gateway makes.
 *
 * Every Durable Object namespace binding in `env` is wrapped once per isolate: each call on a stub it hands out
 * (`fetch` or any RPC method) adds one to a module-level counter. `GET /__bench/do-calls` answers
 * `{ "calls": n, "namespaces": [binding names watched] }` and `POST /__bench/do-calls` resets it; bench/run.mjs reads it around each measured run and
 * divides by the requests sent. The wrapped `env` is built once per isolate (cached by identity), so the hot-path
 * cost is one substring test on the URL and one WeakMap lookup; a Worker without Durable Object bindings gets its
 * `env` untouched.
 */
import gateway from '../../src/worker.ts'
import type { Env } from '../../src/env.ts'

export * from '../../src/worker.ts'

const BENCH_PATH = '/__bench/do-calls'
let doCalls = 0
let watched: string[] = []

const isNamespace = (v: unknown): v is DurableObjectNamespace =>
  typeof v === 'object' && v !== null && (v as object).constructor?.name === 'DurableObjectNamespace'

/** A stub whose every method call counts (properties such as `id` and `name` do not). */
function countingStub<T extends object>(stub: T): T {
  return new Proxy(stub, {
    get(target, key) {
      const value = Reflect.get(target, key)
      if (typeof value !== 'function' || typeof key === 'symbol') return value
      // Reflect.apply, not value.apply: on an RPC stub `.apply` is itself a remote property.
      return (...args: unknown[]) => {
        doCalls++
        return Reflect.apply(value, target, args)
      }
    },
  })
}

function countingNamespace(ns: DurableObjectNamespace): DurableObjectNamespace {
  return new Proxy(ns, {
    get(target, key) {
      const value = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      if (key === 'get' || key === 'getByName')
        return (...args: unknown[]) => countingStub(Reflect.apply(value, target, args) as object)
      return value.bind(target)
    },
  })
}

const wrapped = new WeakMap<object, Env>()
function countingEnv(env: Env): Env {
  let out = wrapped.get(env)
  if (!out) {
    const names = Object.keys(env).filter((k) => isNamespace(env[k]))
    watched = names
    out = names.length === 0 ? env : { ...env, ...Object.fromEntries(names.map((k) => [k, countingNamespace(env[k] as DurableObjectNamespace)])) }
    wrapped.set(env, out)
  }
  return out
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    if (request.url.includes(BENCH_PATH) && new URL(request.url).pathname === BENCH_PATH) {
      if (request.method === 'POST') doCalls = 0
      return Response.json({ calls: doCalls, namespaces: watched })
    }
    return gateway.fetch(request, countingEnv(env), ctx)
  },
} satisfies ExportedHandler<Env>
