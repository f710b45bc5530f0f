import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { renderSchemaDigest, renderSchemaJson, SCHEMA_DIGEST_PATH, SCHEMA_JSON_PATH } from '../../src/cli/schema-json.ts'

const ROOT = resolve(import.meta.dirname, '../..')

describe('routes/schema.json', () => {
  it('matches the zod schema and the registered filters', () => {
    const onDisk = readFileSync(resolve(ROOT, SCHEMA_JSON_PATH), 'utf8')
    const fresh = renderSchemaJson()
    if (onDisk !== fresh)
      expect.fail(`${SCHEMA_JSON_PATH} is stale (the schema or the filters changed): run \`npm run schema\` and commit the result`)
  })

  it('has its digest in the validator fingerprint, so a schema change unseals stored versions', () => {
    const onDisk = readFileSync(resolve(ROOT, SCHEMA_DIGEST_PATH), 'utf8')
    if (onDisk !== renderSchemaDigest(readFileSync(resolve(ROOT, SCHEMA_JSON_PATH), 'utf8')))
      expect.fail(`${SCHEMA_DIGEST_PATH} is stale: run \`npm run schema\` and commit the result`)
  })

  it('describes every registered filter and is what the demo table points editors at', () => {
    const schema = JSON.parse(readFileSync(resolve(ROOT, SCHEMA_JSON_PATH), 'utf8')) as { properties: Record<string, unknown> }
    expect(Object.keys(schema.properties)).toEqual(['$schema', 'gateway', 'observability', 'http_filters', 'clusters', 'virtual_hosts'])
    expect(JSON.stringify(schema.properties.http_filters)).toContain('"const":"cors"')
    expect(readFileSync(resolve(ROOT, 'routes/demo.yaml'), 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\/schema\.json\n/)
  })
})
