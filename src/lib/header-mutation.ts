/**
 * @module Header add/remove with Envoy `HeaderValueOption` semantics and a small value formatter. Compiled once
 * per config version; the returned function only renders values and edits a `Headers`.
 */
import type { HeaderValueOption } from '../config/primitives.ts'
import { isoTime } from './iso-time.ts'

/** What `%…%` operators in header values may refer to. Built per request by the caller. */
export interface MutationVars {
  /** Request headers that `%REQ(name)%` reads. */
  requestHeaders: Headers
  clientAddress: string
  requestId: string
  routeName: string
  /** Milliseconds since the epoch; rendered by `%START_TIME%` as ISO 8601. */
  startedAt: number
}

/** Applies compiled mutations to `headers` in place. */
export type ApplyHeaderMutations = (headers: Headers, vars: MutationVars) => void

/** One header operation, in list order (Envoy `HeaderMutation`: `append` or `remove`). */
export type HeaderOp = { append: HeaderValueOption; remove?: undefined } | { remove: string; append?: undefined }

/** One level of mutations (route, virtual host, …): removes are applied before adds. */
export interface HeaderMutationLevel {
  add: readonly HeaderValueOption[]
  remove: readonly string[]
}

type Render = (vars: MutationVars) => string

/** The function every compile returns when there is nothing to do: compare by identity to skip building vars. */
export const EMPTY_MUTATION: ApplyHeaderMutations = () => {}

const REQ_RE = /^REQ\(([!#$&'*+\-.^_`|~0-9A-Za-z]+)\)$/
const UNSAFE_RE = /[\r\n\0]/
const BLANK_RE = /^[ \t]*$/
const OPERATORS: Record<string, Render> = {
  DOWNSTREAM_REMOTE_ADDRESS: (v) => v.clientAddress,
  REQUEST_ID: (v) => v.requestId,
  ROUTE_NAME: (v) => v.routeName,
  START_TIME: (v) => isoTime(v.startedAt),
}
const SUPPORTED = '%REQ(name)%, %DOWNSTREAM_REMOTE_ADDRESS%, %REQUEST_ID%, %ROUTE_NAME%, %START_TIME%, %%'

function toRender(command: string): Render | undefined {
  const op = OPERATORS[command]
  if (op) return op
  const req = REQ_RE.exec(command)
  if (!req) return undefined
  const name = req[1]!.toLowerCase()
  return (v) => v.requestHeaders.get(name) ?? ''
}

function parse(value: string): { parts: (string | Render)[] } | { error: string } {
  const parts: (string | Render)[] = []
  let literal = ''
  let i = 0
  while (i < value.length) {
    const pct = value.indexOf('%', i)
    if (pct < 0) {
      literal += value.slice(i)
      break
    }
    literal += value.slice(i, pct)
    if (value[pct + 1] === '%') {
      literal += '%'
      i = pct + 2
      continue
    }
    const end = value.indexOf('%', pct + 1)
    const render = end < 0 ? undefined : toRender(value.slice(pct + 1, end))
    if (!render) {
      const what = end < 0 ? `a lone "%" at offset ${pct}` : `unknown operator "${value.slice(pct, end + 1)}"`
      return { error: `header value has ${what} (supported: ${SUPPORTED}; write "%%" for a literal "%")` }
    }
    if (literal) parts.push(literal)
    literal = ''
    parts.push(render)
    i = end + 1
  }
  if (literal) parts.push(literal)
  return { parts }
}

/**
 * Checks a header value's formatter syntax, for config schemas (`superRefine`).
 * @returns an error message, or `undefined` when the value compiles.
 */
export function checkHeaderValueFormat(value: string): string | undefined {
  const r = parse(value)
  return 'error' in r ? r.error : undefined
}

/**
 * Compiles a header value: a constant string when it has no operators, else a renderer.
 * @throws Error on formatter syntax errors (validate with {@link checkHeaderValueFormat} first).
 * @example compileHeaderValue('%REQ(host)%-%REQUEST_ID%')
 */
export function compileHeaderValue(value: string): string | Render {
  const r = parse(value)
  if ('error' in r) throw new Error(r.error)
  const parts = r.parts
  if (parts.every((p) => typeof p === 'string')) return parts.join('')
  if (parts.length === 1) return parts[0] as Render
  return (v) => {
    let out = ''
    for (const p of parts) out += typeof p === 'string' ? p : p(v)
    return out
  }
}

type Op = (headers: Headers, vars: MutationVars) => void

function compileAppend(opt: HeaderValueOption): Op | undefined {
  const key = opt.header.key.toLowerCase()
  const keepEmpty = opt.keep_empty_value
  const put: (h: Headers, value: string) => void =
    opt.append_action === 'add_if_absent'
      ? (h, value) => !h.has(key) && h.set(key, value)
      : opt.append_action === 'overwrite_if_exists_or_add'
        ? (h, value) => h.set(key, value)
        : opt.append_action === 'overwrite_if_exists'
          ? (h, value) => h.has(key) && h.set(key, value)
          : (h, value) => h.append(key, value)
  const value = compileHeaderValue(opt.header.value)
  if (typeof value === 'string') {
    // A constant is checked once: never emitted when it is unsafe, or empty without keep_empty_value.
    if (UNSAFE_RE.test(value) || (!keepEmpty && BLANK_RE.test(value))) return undefined
    return (h) => put(h, value)
  }
  return (h, vars) => {
    const v = value(vars)
    if (UNSAFE_RE.test(v) || (!keepEmpty && BLANK_RE.test(v))) return
    put(h, v)
  }
}

/**
 * Compiles header operations applied in list order (Envoy `header_mutation` filter semantics).
 * @throws Error on formatter syntax errors in values.
 */
export function compileHeaderOps(ops: readonly HeaderOp[]): ApplyHeaderMutations {
  const compiled: Op[] = []
  for (const op of ops) {
    if (op.remove !== undefined) {
      const name = op.remove.toLowerCase()
      compiled.push((h) => h.delete(name))
    } else {
      const add = compileAppend(op.append)
      if (add) compiled.push(add)
    }
  }
  if (compiled.length === 0) return EMPTY_MUTATION
  if (compiled.length === 1) return compiled[0]!
  return (headers, vars) => {
    for (const op of compiled) op(headers, vars)
  }
}

/**
 * Compiles route/virtual-host style mutations: levels apply in the given order; within a level, removes first,
 * then adds. `append_action` follows Envoy: `append_if_exists_or_add` (default, `Headers.append`),
 * `add_if_absent`, `overwrite_if_exists_or_add`, `overwrite_if_exists`. Without `keep_empty_value` a value
 * that renders empty is not added; a value that renders with CR, LF or NUL is never emitted.
 * Values support `%REQ(name)%` ('' when absent), `%DOWNSTREAM_REMOTE_ADDRESS%`, `%REQUEST_ID%`,
 * `%ROUTE_NAME%`, `%START_TIME%` (ISO 8601) and `%%` (a literal `%`).
 * @param levels - e.g. `[route, virtualHost]` (Envoy's default: most specific first).
 * @returns {@link EMPTY_MUTATION} when there is nothing to do.
 * @throws Error on formatter syntax errors (validate with {@link checkHeaderValueFormat}).
 * @example
 * const apply = compileHeaderMutations([{ add: [opt], remove: ['x-internal'] }])
 * apply(upstreamHeaders, { requestHeaders, clientAddress, requestId, routeName, startedAt })
 */
export function compileHeaderMutations(levels: readonly HeaderMutationLevel[]): ApplyHeaderMutations {
  const ops: HeaderOp[] = []
  for (const level of levels) {
    for (const name of level.remove) ops.push({ remove: name })
    for (const opt of level.add) ops.push({ append: opt })
  }
  return compileHeaderOps(ops)
}
