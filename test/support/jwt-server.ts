/** @module Client for the JWKS test server (test/support/setup-jwks.ts), used from tests in workerd. */
import type { JWK } from 'jose'
import { inject } from 'vitest'

export const jwksOrigin = () => inject('jwks')

/** A document name no other test uses. */
export const uniqueName = (prefix = 'jwks') => `${prefix}-${crypto.randomUUID()}`

/** Path of a named document on the server. */
export const jwksPath = (name: string) => `/jwks/${name}`
export const jwksUrl = (name: string) => `${jwksOrigin()}${jwksPath(name)}`

export interface JwksDoc {
  keys?: JWK[]
  /** Raw body instead of `{ keys }` (e.g. not JSON). */
  body?: string
  /** @default 200 */
  status?: number
  delay_ms?: number
}

/** Registers (or replaces: a key rotation) the document served at /jwks/<name>. */
export async function serveJwks(name: string, doc: JwksDoc): Promise<void> {
  const res = await fetch(`${jwksOrigin()}/__jwks/${name}`, { method: 'PUT', body: JSON.stringify(doc) })
  if (!res.ok) throw new Error(`JWKS server refused the document: ${res.status}`)
  await res.body?.cancel()
}

/** How many times a path was requested since the last reset. */
export async function hitsOf(path: string): Promise<number> {
  const res = await fetch(`${jwksOrigin()}/__hits?path=${encodeURIComponent(path)}`)
  return ((await res.json()) as { hits: number }).hits
}

/** Requests made for a named document. */
export const jwksHits = (name: string) => hitsOf(jwksPath(name))
