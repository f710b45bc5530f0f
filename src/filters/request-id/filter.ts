/** @module request_id filter: echoes the request id on responses and copies it to extra upstream headers. */
import { REQUEST_ID_HEADER } from '../../http/problem.ts'
import { defineFilter } from '../types.ts'
import { requestIdConfig } from './config.ts'

/**
 * The `request_id` filter. Never answers locally.
 * @example http_filters: [{ name: request_id, config: { also_as: [x-correlation-id] } }]
 */
export const requestIdFilter = defineFilter({
  name: 'request_id',
  status: 'stable',
  description: 'Echoes x-request-id on responses and copies the id to extra upstream headers',
  configSchema: requestIdConfig,
  create(config) {
    const alsoAs = [...new Set(config.also_as.map((n) => n.toLowerCase()))]
    const setInResponse = config.set_in_response
    return {
      onRequest:
        alsoAs.length === 0
          ? undefined
          : function requestId(rc) {
              for (const name of alsoAs) rc.headers.set(name, rc.requestId)
            },
      onResponse: !setInResponse
        ? undefined
        : function requestIdResponse(rc, response) {
            response.headers.set(REQUEST_ID_HEADER, rc.requestId)
          },
    }
  },
})
