#!/usr/bin/env node
/**
 * @module `npm run schema`: regenerates routes/schema.json from the zod schema (src/config/schema.ts) and the
 * built-in filters. Run it after changing the schema or adding a filter; test/node/schema.test.ts checks it.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { register } from 'tsx/esm/api'

register()
const { renderSchemaJson, SCHEMA_JSON_PATH } = await import('../src/cli/schema-json.ts')
const path = fileURLToPath(new URL(`../${SCHEMA_JSON_PATH}`, import.meta.url))
const next = renderSchemaJson()
let previous = ''
try {
  previous = readFileSync(path, 'utf8')
} catch {
  // First run.
}
if (previous === next) console.log(`${SCHEMA_JSON_PATH} is up to date`)
else {
  writeFileSync(path, next)
  console.log(`wrote ${SCHEMA_JSON_PATH} (${next.length} bytes)`)
}
