#!/usr/bin/env node
/**
 * @module `npm run docs`: regenerates the generated sections of docs/filters.md (the filter table, each filter's
 * error codes and stats) from the registry. test/node/filter-docs.test.ts fails when they are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { register } from 'tsx/esm/api'

register()
const { FILTER_DOCS_PATH, regenerate } = await import('../src/cli/filter-docs.ts')
const path = fileURLToPath(new URL(`../${FILTER_DOCS_PATH}`, import.meta.url))
const previous = readFileSync(path, 'utf8')
const next = regenerate(previous)
if (previous === next) console.log(`${FILTER_DOCS_PATH} is up to date`)
else {
  writeFileSync(path, next)
  console.log(`wrote ${FILTER_DOCS_PATH}`)
}
