/**
 * @module Kubernetes manifests in, HTTPRoutes out: multi-document YAML (and `kind: List`), HTTPRoute of
 * gateway.networking.k8s.io/v1 kept, every other kind or version skipped with a note.
 */
import { parseAllDocuments } from 'yaml'
import { isObject } from '../../../lib/is-object.ts'

/** The parts of an HTTPRoute the importer reads (Gateway API v1). */
export interface HttpRoute {
  metadata: { name: string; namespace?: string; creationTimestamp?: string }
  spec: { parentRefs?: unknown; hostnames?: string[]; rules?: Rule[] }
  /** Where it came from: `file#document`. */
  source: string
}
export interface Rule {
  name?: string
  matches?: Match[]
  filters?: Filter[]
  backendRefs?: BackendRef[]
  timeouts?: { request?: string; backendRequest?: string }
  retry?: { codes?: number[]; attempts?: number; backoff?: string }
  sessionPersistence?: unknown
  [other: string]: unknown
}
export interface StringMatchSpec {
  type?: 'Exact' | 'RegularExpression' | string
  name: string
  value: string
}
export interface Match {
  path?: { type?: 'Exact' | 'PathPrefix' | 'RegularExpression' | string; value?: string }
  headers?: StringMatchSpec[]
  queryParams?: StringMatchSpec[]
  method?: string
}
export interface HeaderModifier {
  set?: { name: string; value: string }[]
  add?: { name: string; value: string }[]
  remove?: string[]
}
export interface PathModifier {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch' | string
  replaceFullPath?: string
  replacePrefixMatch?: string
}
export interface Filter {
  type: string
  requestHeaderModifier?: HeaderModifier
  responseHeaderModifier?: HeaderModifier
  requestRedirect?: { scheme?: string; hostname?: string; path?: PathModifier; port?: number; statusCode?: number }
  urlRewrite?: { hostname?: string; path?: PathModifier }
  requestMirror?: { backendRef: BackendRef; percent?: number; fraction?: { numerator: number; denominator?: number } }
  [other: string]: unknown
}
export interface BackendRef {
  name: string
  namespace?: string
  group?: string
  kind?: string
  port?: number
  weight?: number
  filters?: Filter[]
}

export const GATEWAY_API_V1 = 'gateway.networking.k8s.io/v1'

export interface ManifestFile {
  file: string
  text: string
}

/** Reads every document of every file; returns the HTTPRoutes, notes on what was skipped, and parse errors. */
export function readManifests(files: readonly ManifestFile[]): { routes: HttpRoute[]; notes: string[]; errors: string[] } {
  const routes: HttpRoute[] = []
  const notes: string[] = []
  const errors: string[] = []
  for (const { file, text } of files) {
    const docs = parseAllDocuments(text)
    const list = Array.isArray(docs) ? docs : [docs]
    list.forEach((doc, i) => {
      const where = `${file}#${i + 1}`
      if (doc.errors.length) {
        errors.push(`${where}: ${doc.errors[0]!.message}`)
        return
      }
      const value = doc.toJS() as unknown
      if (value === null || value === undefined) return
      const items = isObject(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value]
      items.forEach((item: unknown, j: number) => {
        const at = items.length > 1 || item !== value ? `${where} items[${j}]` : where
        if (!isObject(item)) return void errors.push(`${at}: not a Kubernetes object`)
        const kind = String(item.kind ?? '(no kind)')
        const name = isObject(item.metadata) ? String(item.metadata.name ?? '') : ''
        if (kind !== 'HTTPRoute') return void notes.push(`${at}: skipped ${kind}${name ? ` ${name}` : ''} (only HTTPRoute is imported)`)
        if (item.apiVersion !== GATEWAY_API_V1)
          return void notes.push(`${at}: skipped HTTPRoute ${name} of ${String(item.apiVersion)} (only ${GATEWAY_API_V1} is imported)`)
        if (!name) return void errors.push(`${at}: HTTPRoute without metadata.name`)
        if (!isObject(item.spec)) return void errors.push(`${at}: HTTPRoute ${name} has no spec`)
        routes.push({ metadata: item.metadata as HttpRoute['metadata'], spec: item.spec as HttpRoute['spec'], source: at })
      })
    })
  }
  return { routes, notes, errors }
}

