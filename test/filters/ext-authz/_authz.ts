/** @module Test helpers for ext_authz: the real authz service started by test/support/setup-authz.ts. */
import { inject } from 'vitest'
import type { AuthzRecord } from '../../support/setup-authz.ts'

export type { AuthzRecord }

/** Origin of the authz test service. */
export const authz = () => inject('authz')

/** A path no other test uses, so its checks can be found in the service's records. */
export const uniquePath = (suffix = '') => `/t/${crypto.randomUUID()}${suffix}`

/** The checks the service received whose URL contains `text`. */
export async function records(text: string): Promise<AuthzRecord[]> {
  const res = await fetch(`${authz()}/__authz/records?contains=${encodeURIComponent(text)}`)
  return (await res.json()) as AuthzRecord[]
}

/** The one check whose URL contains `text` (fails the test when there is not exactly one). */
export async function onlyRecord(text: string): Promise<AuthzRecord> {
  const all = await records(text)
  if (all.length !== 1) throw new Error(`expected one check containing ${text}, got ${all.length}`)
  return all[0]!
}
