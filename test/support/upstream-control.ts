/**
 * @module Stateful misbehaviours of the test upstreams (Node side): per-key attempt records shared by the three
 * echo servers, the `x-upstream-behavior` directive parser, and the `/__upstream/…` control paths. See
 * test/support/upstreams.ts for the directives.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Per-key attempt records, shared by the three servers so retries across endpoints count together. */
export interface KeyRecord {
  attempts: number
  byServer: Record<string, number>
  /** `x-envoy-attempt-count` of each attempt, in arrival order (null when absent). */
  attemptCounts: (string | null)[]
  inFlight: number
  maxInFlight: number
  retriesInFlight: number
  maxRetriesInFlight: number
  probes: Record<string, number>
  /** Each request that arrived whole: the server, its `x-forwarded-host` and body size. */
  seen: { server: string; forwardedHost: string | null; bodyBytes: number }[]
}
const keys = new Map<string, KeyRecord>()
/** Health status per key, and per `key|server`. */
const health = new Map<string, number>()

export function recordOf(key: string): KeyRecord {
  let r = keys.get(key)
  if (!r) keys.set(key, (r = { attempts: 0, byServer: {}, attemptCounts: [], inFlight: 0, maxInFlight: 0, retriesInFlight: 0, maxRetriesInFlight: 0, probes: {}, seen: [] }))
  return r
}

const MISBEHAVIOURS = new Set(['status', 'hang', 'reset', 'reset-after-headers', 'bytes', 'redirect', 'respond-early', 'slow'])

/** Parses `kind[=arg](;name[=value])*`: the first misbehaviour named (`delay` combines with any), and every directive. */
export function parseBehavior(raw: string) {
  const opts = new Map<string, string>()
  let kind = ''
  let arg: string | undefined
  for (const part of raw.split(';')) {
    const [k, v] = part.trim().split('=') as [string, string | undefined]
    if (!k) continue
    opts.set(k, v ?? '')
    if (!kind && MISBEHAVIOURS.has(k)) [kind, arg] = [k, v]
  }
  if (!kind && opts.has('fail-times')) [kind, arg] = ['status', '503']
  return { kind, arg, opts }
}

/** The control paths; true when handled. */
export function control(name: string, req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://upstream')
  const m = /^\/__upstream\/(keys|health)\/([^/]+)$/.exec(url.pathname)
  if (!m) return false
  const [, what, key] = m as unknown as [string, string, string]
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-upstream': name })
    res.end(JSON.stringify(body))
  }
  if (what === 'keys') json(200, recordOf(key))
  else if (req.method === 'PUT') {
    const server = url.searchParams.get('server')
    health.set(server ? `${key}|${server}` : key, Number(url.searchParams.get('status') ?? 200))
    json(200, { ok: true })
  } else {
    const r = recordOf(key)
    r.probes[name] = (r.probes[name] ?? 0) + 1
    json(health.get(`${key}|${name}`) ?? health.get(key) ?? 200, { server: name, key })
  }
  return true
}
