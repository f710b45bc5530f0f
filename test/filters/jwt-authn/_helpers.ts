/** @module Helpers for jwt_authn tests: build the filter as the compiler does, run requests, read replies. */
import { expect } from 'vitest'
import { jwtAuthnConfig, jwtAuthnFilter } from '../../../src/filters/jwt-authn/index.ts'
import type { FactoryContext, HttpFilter, RequestContext } from '../../../src/filters/types.ts'
import type { StatsStore } from '../../../src/observability/stats.ts'
import { type ContextInit, makeContext, run, type RunResult } from '../_context.ts'

/**
 * Parses and creates the filter; with `base` (the http_filters entry), `input` is an override merged over it one
 * level deep, as src/config/overrides.ts merges every override.
 */
export function buildJwt(input: unknown, extra: { base?: unknown; clusters?: FactoryContext['clusters'] } = {}): HttpFilter {
  const merged = extra.base === undefined ? input : { ...(extra.base as object), ...(input as object) }
  const ctx: FactoryContext = { scope: extra.base ? 'route r' : 'http_filters', ...(extra.clusters ? { clusters: extra.clusters } : {}) }
  return jwtAuthnFilter.create(jwtAuthnConfig.parse(merged), ctx)
}

/** A request with `Authorization: Bearer <token>` (plus `init`). */
export const bearer = (token: string, init: ContextInit = {}): ContextInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` },
})

export interface Ran extends RunResult {
  rc: RequestContext
  /** Background work the filter handed to waitUntil, awaited. */
  settle(): Promise<void>
}

/** Runs one request through the filter; background work is collected rather than dropped. */
export async function send(filter: HttpFilter, init: ContextInit = {}): Promise<Ran> {
  const pending: Promise<unknown>[] = []
  const rc: RequestContext = { ...makeContext(init), waitUntil: (p) => void pending.push(p) }
  const result = await run(filter, rc)
  return { ...result, rc, settle: async () => void (await Promise.all(pending)) }
}

/** Asserts a jwt_authn denial: status, code, reason, and the WWW-Authenticate challenge. */
export async function expectDenied(res: Response, reason: string, challenge?: RegExp) {
  const status = ['audience', 'scope', 'claim'].includes(reason) ? 403 : 401
  const code = reason === 'missing' ? 'ERR_JWT_MISSING' : status === 403 ? 'ERR_JWT_FORBIDDEN' : 'ERR_JWT_INVALID'
  expect({ status: res.status, flags: res.headers.get('x-legate-response-flags') }).toEqual({ status, flags: 'UAEX' })
  const body = (await res.json()) as Record<string, unknown>
  expect(body).toMatchObject({ status, code, reason })
  const www = res.headers.get('www-authenticate') ?? ''
  if (reason === 'missing') expect(www).toMatch(/^Bearer realm="[^"]+"$/)
  else if (status === 401) expect(www).toMatch(/^Bearer realm="[^"]+", error="invalid_token"$/)
  else expect(www).toMatch(/^Bearer realm="[^"]+", error="insufficient_scope"/)
  if (challenge) expect(www).toMatch(challenge)
  return body
}

/** Counter value from the request's stats store. */
export const counter = (rc: RequestContext, name: string) => (rc.stats as StatsStore).counters.get(name) ?? 0
