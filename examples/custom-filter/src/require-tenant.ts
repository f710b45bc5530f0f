/** A custom filter: every request must name its tenant in a header; the tenant goes upstream and back. */
import * as z from 'zod'
import { declareStats, defineFilter, problem } from 'legate'

/** The filter's own error codes: unique across the gateway, `ERR_` and upper case. */
const errors = {
  ERR_TENANT_MISSING: { status: 400, flag: 'DPE', title: 'The request names no tenant' },
  ERR_TENANT_UNKNOWN: { status: 403, flag: 'DPE', title: 'The tenant is not served here' },
} as const

/** Its state for later phases, typed: each filter adds its own key to FilterStateMap. */
declare module 'legate' {
  interface FilterStateMap {
    require_tenant: { tenant: string }
  }
}

export const requireTenant = defineFilter({
  name: 'require_tenant',
  status: 'alpha',
  description: 'Answers 400 unless the request names a tenant; 403 for a tenant not in the list',
  configSchema: z.strictObject({
    /** The request header that carries the tenant. */
    header: z.string().default('x-tenant'),
    /** Tenants served; absent means any. */
    tenants: z.array(z.string()).optional(),
  }),
  errors,
  stats: declareStats('require_tenant', {
    allowed: 'requests that named a tenant this route serves',
    missing: 'requests without a tenant (400 ERR_TENANT_MISSING)',
    unknown: 'requests for a tenant not in the list (403 ERR_TENANT_UNKNOWN)',
  }),
  create(config) {
    // Precompute once per config, not per request.
    const header = config.header.toLowerCase()
    const tenants = config.tenants ? new Set(config.tenants) : undefined
    return {
      onRequest(rc) {
        const tenant = rc.header(header)
        if (!tenant) {
          rc.stats.counter('require_tenant.missing')
          return problem({ code: 'ERR_TENANT_MISSING', detail: `send the ${header} header.`, requestId: rc.requestId }, errors)
        }
        if (tenants && !tenants.has(tenant)) {
          rc.stats.counter('require_tenant.unknown')
          return problem({ code: 'ERR_TENANT_UNKNOWN', detail: 'this tenant is not served here.', requestId: rc.requestId }, errors)
        }
        rc.stats.counter('require_tenant.allowed')
        rc.state.require_tenant = { tenant }
      },
      onResponse(rc, response) {
        // The response is always mutable here: set headers, return nothing.
        const state = rc.state.require_tenant
        if (state) response.headers.set('x-tenant', state.tenant)
      },
    }
  },
})
