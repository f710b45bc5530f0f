import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createConfigSchema } from '../../src/config/schema.ts'
import { createRegistry } from '../../src/filters/registry.ts'

/** Every property name anywhere in the JSON Schema of the route table. */
function schemaFields(): Set<string> {
  const names = new Set<string>()
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (!node || typeof node !== 'object') return
    const o = node as Record<string, unknown>
    if (o.properties && typeof o.properties === 'object') for (const k of Object.keys(o.properties)) names.add(k)
    for (const v of Object.values(o)) walk(v)
  }
  walk(z.toJSONSchema(createConfigSchema(createRegistry()), { io: 'input' }))
  return names
}

/** Backticked names in headings and in the first column of table rows of docs/configuration.md. */
function documentedFields(): Set<string> {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')
  const names = new Set<string>()
  for (const line of doc.split('\n')) {
    const first = /^\|([^|]+)\|/.exec(line)?.[1] ?? /^#+ (.*)$/.exec(line)?.[1]
    if (!first) continue
    // Headings such as `routes[]` or `*_headers_to_add` name a section, not a field.
    for (const m of first.matchAll(/`([^`]+)`/g)) if (/^[$A-Za-z_][$A-Za-z0-9_]*$/.test(m[1]!)) names.add(m[1]!)
  }
  return names
}

describe('docs/configuration.md', () => {
  it('documents every field of the schema, and nothing that is not in it', () => {
    const schema = schemaFields()
    const docs = documentedFields()
    const undocumented = [...schema].filter((f) => !docs.has(f))
    const unknown = [...docs].filter((f) => !schema.has(f))
    expect(undocumented, 'add these fields to docs/configuration.md').toEqual([])
    expect(unknown, 'these documented fields are not in the schema').toEqual([])
  })
})
