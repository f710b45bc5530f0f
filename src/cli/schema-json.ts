/**
 * @module routes/schema.json, the JSON Schema editors use for route files (`# yaml-language-server: $schema=…`),
 * generated from the zod schema with the built-in filters. `npm run schema` writes it; a test fails when stale.
 */
import * as z from 'zod'
import { createConfigSchema } from '../config/schema.ts'
import { createRegistry } from '../filters/registry.ts'

/** Repository-relative path of the generated file. */
export const SCHEMA_JSON_PATH = 'routes/schema.json'

/** The file's exact content: pretty-printed, trailing newline, deterministic for a given schema and registry. */
export function renderSchemaJson(): string {
  const schema = z.toJSONSchema(createConfigSchema(createRegistry()), { io: 'input' })
  return `${JSON.stringify(schema, null, 2)}\n`
}
