/**
 * @module routes/schema.json, the JSON Schema editors use for route files (`# yaml-language-server: $schema=…`),
 * generated from the zod schema with the built-in filters. `npm run schema` writes it; a test fails when stale.
 */
import * as z from 'zod'
import { createConfigSchema } from '../config/schema.ts'
import { createRegistry } from '../filters/registry.ts'

/** Repository-relative path of the generated file. */
export const SCHEMA_JSON_PATH = 'routes/schema.json'

type Json = Record<string, unknown>

/**
 * Overrides are merged over what they inherit before validation (src/config/overrides.ts): in the editor schema,
 * an override object needs none of the filter's required fields and may set any field to null (removal).
 */
function relaxOverrides(filters: Json | undefined): void {
  for (const entry of Object.values((filters?.properties ?? {}) as Record<string, Json>))
    for (const option of (entry.anyOf ?? []) as Json[]) {
      if (option.type !== 'object') continue
      delete option.required
      const props = (option.properties ?? {}) as Record<string, Json>
      for (const [k, v] of Object.entries(props)) props[k] = { anyOf: [v, { type: 'null' }] }
    }
}

/** The file's exact content: pretty-printed, trailing newline, deterministic for a given schema and registry. */
export function renderSchemaJson(): string {
  const schema = z.toJSONSchema(createConfigSchema(createRegistry()), { io: 'input' }) as Json
  const vhost = ((schema.properties as Json).virtual_hosts as Json).items as Json
  const route = ((vhost.properties as Json).routes as Json).items as Json
  relaxOverrides((vhost.properties as Json).filters as Json)
  relaxOverrides((route.properties as Json).filters as Json)
  return `${JSON.stringify(schema, null, 2)}\n`
}
