/** @module The only list of built-in filters. Core code never branches on a filter's name. */
import { apiKeyFilter } from './api-key/index.ts'
import { bodyLimitFilter } from './body-limit/index.ts'
import { corsFilter } from './cors/index.ts'
import { extAuthzFilter } from './ext-authz/index.ts'
import { faultFilter } from './fault/index.ts'
import { headerMutationFilter } from './header-mutation/index.ts'
import { ipFilterFilter } from './ip-filter/index.ts'
import { jwtAuthnFilter } from './jwt-authn/index.ts'
import { rateLimitFilter } from './rate-limit/index.ts'
import { requestIdFilter } from './request-id/index.ts'
import type { FilterFactory } from './types.ts'

/** Built-in filters, in no particular order (the route table's `http_filters` list sets the order). */
export const BUILTIN_FILTERS: readonly FilterFactory[] = [
  requestIdFilter,
  headerMutationFilter,
  corsFilter,
  faultFilter,
  bodyLimitFilter,
  ipFilterFilter,
  apiKeyFilter,
  extAuthzFilter,
  jwtAuthnFilter,
  rateLimitFilter,
]

/** The built-ins plus a user's own filters; a duplicate name is a programming error. */
export function createRegistry(extra: readonly FilterFactory[] = []): readonly FilterFactory[] {
  const all = [...BUILTIN_FILTERS, ...extra]
  const seen = new Set<string>()
  for (const f of all) {
    if (seen.has(f.name)) throw new Error(`two filters are registered as "${f.name}"`)
    seen.add(f.name)
  }
  return all
}
