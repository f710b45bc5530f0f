/** @module The only list of built-in filters. Core code never branches on a filter's name. */
import { apiKeyFilter } from './api-key/index.ts'
import { bodyLimitFilter } from './body-limit/index.ts'
import { cacheFilter } from './cache/index.ts'
import { corsFilter } from './cors/index.ts'
import { extAuthzFilter } from './ext-authz/index.ts'
import { faultFilter } from './fault/index.ts'
import { headerMutationFilter } from './header-mutation/index.ts'
import { ipFilterFilter } from './ip-filter/index.ts'
import { jwtAuthnFilter } from './jwt-authn/index.ts'
import { openapiValidationFilter } from './openapi-validation/index.ts'
import { rateLimitFilter } from './rate-limit/index.ts'
import { requestIdFilter } from './request-id/index.ts'
import { ERROR_CODES, type ErrorDef } from '../http/problem.ts'
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
  openapiValidationFilter,
  cacheFilter,
]

const CODE_RE = /^ERR_[A-Z0-9_]+$/

/**
 * The built-ins plus a user's own filters. A programming error throws at startup: two filters of one name, an
 * error code that is not `ERR_…` or is already taken (by the core or another filter), a stat outside
 * `<filter name>.`.
 */
export function createRegistry(extra: readonly FilterFactory[] = []): readonly FilterFactory[] {
  const all = [...BUILTIN_FILTERS, ...extra]
  const seen = new Set<string>()
  const owners = new Map<string, string>(Object.keys(ERROR_CODES).map((c) => [c, 'the core']))
  for (const f of all) {
    if (seen.has(f.name)) throw new Error(`two filters are registered as "${f.name}"`)
    seen.add(f.name)
    for (const code of Object.keys(f.errors ?? {})) {
      if (!CODE_RE.test(code)) throw new Error(`filter "${f.name}": error code "${code}" must look like ERR_SOMETHING`)
      const owner = owners.get(code)
      if (owner) throw new Error(`filter "${f.name}": error code ${code} is already declared by ${owner}`)
      owners.set(code, `filter "${f.name}"`)
    }
    for (const stat of Object.keys(f.stats ?? {}))
      if (!stat.startsWith(`${f.name}.`)) throw new Error(`filter "${f.name}": stat "${stat}" must start with "${f.name}."`)
  }
  return all
}

/** Every stable error code with what it means and who answers with it: the core's, then each filter's. */
export function errorCatalog(filters: readonly FilterFactory[]): { code: string; def: ErrorDef; owner: string }[] {
  return [
    ...Object.entries(ERROR_CODES).map(([code, def]) => ({ code, def: def as ErrorDef, owner: 'core' })),
    ...filters.flatMap((f) => Object.entries(f.errors ?? {}).map(([code, def]) => ({ code, def, owner: f.name }))),
  ]
}
