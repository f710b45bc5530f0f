/** @module Shared builders for router tests: schema-parsed route matches and match inputs. */
import { routeMatch, type RouteMatch } from '../../src/config/schema.ts'
import type { MatchInput } from '../../src/router/routes.ts'

/** A RouteMatch with the schema's defaults filled in (throws on invalid input, like config loading). */
export const rm = (m: Record<string, unknown>): RouteMatch => routeMatch.parse(m)

/** A MatchInput: `target` may carry a query (`/a?b=1`). */
export function req(
  target: string,
  opts: { method?: string; headers?: Record<string, string> | [string, string][] } = {}
): MatchInput {
  const q = target.indexOf('?')
  return {
    path: q < 0 ? target : target.slice(0, q),
    search: q < 0 ? '' : target.slice(q),
    method: opts.method ?? 'GET',
    headers: new Headers(opts.headers),
  }
}

/** Mulberry32: a small seeded PRNG, so "random" tests are deterministic. */
export function createRng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  return { next, int, pick }
}
