/**
 * @module Media types of an operation's content map (request body or response), shared by both directions: which
 * are JSON, the lookup of a message's type (exact, `type/*`, `*\/*`), and reading a JSON body's bytes.
 */
import type { CompiledSchema } from './compile.ts'

/** One media type of a content map: whether its bodies are JSON, and its schema when it has one. */
export interface CompiledMedia {
  json: boolean
  schema?: CompiledSchema
}
/** Media type (lower case) → what to check. */
export type ContentMap = Map<string, CompiledMedia>

const JSON_RE = /^application\/(?:[\w.+-]*\+)?json$/
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** A content map with its schemas compiled by `compile` (which names the failing field). */
export function compileContent(content: Record<string, { schema?: unknown }>, compile: (schema: unknown, at: object) => CompiledSchema): ContentMap {
  const out: ContentMap = new Map()
  for (const [type, media] of Object.entries(content)) {
    const t = type.toLowerCase()
    out.set(t, { json: JSON_RE.test(t) || t === '*/*' || t === 'application/*', ...(media.schema !== undefined ? { schema: compile(media.schema, media) } : {}) })
  }
  return out
}

/** What `content` says about `type`: its own entry, else `type/*`, else `*\/*`. */
export const lookupMedia = (content: ContentMap, type: string) => content.get(type) ?? content.get(`${type.split('/')[0]}/*`) ?? content.get('*/*')

/** The schema a body of `type` is validated against: only JSON bodies (by the entry or by the type itself) are. */
export const jsonSchemaFor = (media: CompiledMedia, type: string) => (media.schema && (media.json || JSON_RE.test(type)) ? media.schema : undefined)

/** A body's bytes as JSON (strict UTF-8); throws SyntaxError or TypeError on a body that is not. */
export const parseJson = (bytes: Uint8Array): unknown => JSON.parse(UTF8.decode(bytes))
