#!/usr/bin/env node
/**
 * @module `npm run schema`: regenerates routes/schema.json from the zod schema (src/config/schema.ts) and the
 * built-in filters, and its digest (src/config/schema-digest.ts, part of the validator's fingerprint that seals
 * stored versions). Run it after changing the schema or adding a filter; test/node/schema.test.ts checks both.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { register } from 'tsx/esm/api'

register()
const { renderSchemaDigest, renderSchemaJson, SCHEMA_DIGEST_PATH, SCHEMA_JSON_PATH } = await import('../src/cli/schema-json.ts')
const json = renderSchemaJson()
for (const [file, next] of [
  [SCHEMA_JSON_PATH, json],
  [SCHEMA_DIGEST_PATH, renderSchemaDigest(json)],
]) {
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url))
  let previous = ''
  try {
    previous = readFileSync(path, 'utf8')
  } catch {
    // First run.
  }
  if (previous === next) console.log(`${file} is up to date`)
  else {
    writeFileSync(path, next)
    console.log(`wrote ${file} (${next.length} bytes)`)
  }
}
