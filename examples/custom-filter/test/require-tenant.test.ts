/** The custom filter against Legate's conformance kit, and its own behaviour through one filter run. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { Env } from 'legate'
import { build, expectProblem, makeContext, run, runConformance } from 'legate/testing'
import { requireTenant } from '../src/require-tenant.ts'

const bindings = { env: env as unknown as Env }

runConformance(requireTenant, {
  config: { tenants: ['acme'] },
  passing: { headers: { 'x-tenant': 'acme' } },
  failing: { config: {}, request: {}, status: 400, code: 'ERR_TENANT_MISSING' },
  defaults: bindings,
})

describe('require_tenant', () => {
  it('passes the tenant upstream and echoes it on the response', async () => {
    const { response, local } = await run(build(requireTenant, {}), makeContext({ ...bindings, headers: { 'x-tenant': 'acme' } }))
    expect(local).toBe(false)
    expect(response.headers.get('x-tenant')).toBe('acme')
  })

  it('refuses a tenant that is not in the list with 403 ERR_TENANT_UNKNOWN', async () => {
    const { response } = await run(build(requireTenant, { tenants: ['acme'] }), makeContext({ ...bindings, headers: { 'x-tenant': 'initech' } }))
    await expectProblem(response, { status: 403, code: 'ERR_TENANT_UNKNOWN', flag: 'DPE' })
  })
})
