/** @module header_mutation filter config (Envoy `envoy.filters.http.header_mutation` `Mutations`). */
import * as z from 'zod'
import { headerName, headerValueOption } from '../../config/primitives.ts'

/** One mutation: exactly one of `append` (an Envoy HeaderValueOption) or `remove` (a header name). */
export const mutation = z
  .strictObject({
    /** Add or overwrite a header; `append_action` defaults to `append_if_exists_or_add`. */
    append: headerValueOption.optional(),
    /** Remove every value of this header (case-insensitive). */
    remove: headerName.optional(),
  })
  .superRefine((m, ctx) => {
    if ((m.append === undefined) === (m.remove === undefined))
      ctx.addIssue({ code: 'custom', message: 'set exactly one of append, remove' })
  })

const keyValue = z.strictObject({ key: z.string().min(1).max(1024), value: z.string().max(8192) })

/**
 * Query parameter mutations on the upstream URL, applied remove → set → add. Any mutation re-serializes the whole
 * query with `URLSearchParams` (form encoding: a space becomes `+`), so untouched parameters may be re-encoded.
 */
export const queryParameterMutations = z.strictObject({
  /** Parameter names to delete (every occurrence). Max 100. @default [] */
  remove: z.array(z.string().min(1).max(1024)).max(100).default([]),
  /** Replace every occurrence of `key` with one `key=value`. Literal values. Max 100. @default [] */
  set: z.array(keyValue).max(100).default([]),
  /** Append `key=value`, keeping existing occurrences. Literal values. Max 100. @default [] */
  add: z.array(keyValue).max(100).default([]),
})

/**
 * `header_mutation` config. Mutations run in list order, not removes-first. Values support the formatter
 * of `src/lib/header-mutation.ts`; `%REQ(name)%` reads the upstream-bound request headers as they are when the
 * mutation runs. `{}` is a valid (no-op) config.
 */
export const headerMutationConfig = z.strictObject({
  /** Applied to the upstream request headers in the request phase. Max 1000. @default [] */
  request_mutations: z.array(mutation).max(1000).default([]),
  /** Applied to the response headers in the response phase (also local replies of later filters). Max 1000. @default [] */
  response_mutations: z.array(mutation).max(1000).default([]),
  /** Upstream query mutations. @default undefined (the query is left byte-for-byte as received) */
  query_parameter_mutations: queryParameterMutations.optional(),
})

/** Parsed `header_mutation` config. */
export type HeaderMutationConfig = z.output<typeof headerMutationConfig>
