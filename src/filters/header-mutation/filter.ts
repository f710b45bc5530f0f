/** @module header_mutation filter: ordered header add/remove on requests and responses, optional query edits. */
import {
  compileHeaderOps,
  EMPTY_MUTATION,
  type HeaderOp,
  type MutationVars,
} from '../../lib/header-mutation.ts'
import { defineFilter, type RequestContext } from '../types.ts'
import { type HeaderMutationConfig, headerMutationConfig } from './config.ts'

type QueryMutations = NonNullable<HeaderMutationConfig['query_parameter_mutations']>

function toOps(mutations: HeaderMutationConfig['request_mutations']): HeaderOp[] {
  return mutations.map((m) => (m.remove !== undefined ? { remove: m.remove } : { append: m.append! }))
}

function varsOf(rc: RequestContext): MutationVars {
  return {
    requestHeaders: rc.headers,
    clientAddress: rc.clientAddress,
    requestId: rc.requestId,
    routeName: rc.routeName,
    startedAt: rc.startedAt,
  }
}

function compileQuery(q: QueryMutations | undefined): ((params: URLSearchParams) => void) | undefined {
  if (!q || q.remove.length + q.set.length + q.add.length === 0) return undefined
  const remove = [...q.remove]
  const set = q.set.map(({ key, value }) => [key, value] as const)
  const add = q.add.map(({ key, value }) => [key, value] as const)
  return (params) => {
    for (const key of remove) params.delete(key)
    for (const [key, value] of set) params.set(key, value)
    for (const [key, value] of add) params.append(key, value)
  }
}

/**
 * The `header_mutation` filter (Envoy header_mutation). Never answers locally.
 * @example
 * http_filters:
 *   - name: header_mutation
 *     config:
 *       request_mutations: [{ append: { header: { key: x-client-ip, value: '%DOWNSTREAM_REMOTE_ADDRESS%' } } }]
 *       response_mutations: [{ remove: server }]
 */
export const headerMutationFilter = defineFilter({
  name: 'header_mutation',
  status: 'stable',
  description: 'Adds, overwrites and removes request/response headers (and query parameters), in list order',
  configSchema: headerMutationConfig,
  create(config) {
    const onReq = compileHeaderOps(toOps(config.request_mutations))
    const onRes = compileHeaderOps(toOps(config.response_mutations))
    const query = compileQuery(config.query_parameter_mutations)
    return {
      onRequest:
        onReq === EMPTY_MUTATION && !query
          ? undefined
          : function headerMutation(rc) {
              if (onReq !== EMPTY_MUTATION) onReq(rc.headers, varsOf(rc))
              query?.(rc.url.searchParams)
            },
      onResponse:
        onRes === EMPTY_MUTATION
          ? undefined
          : function headerMutationResponse(rc, response) {
              onRes(response.headers, varsOf(rc))
            },
    }
  },
})
