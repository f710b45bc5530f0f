#!/usr/bin/env node
/**
 * @module The `legate` executable: runs the TypeScript CLI (src/cli/main.ts) under tsx.
 * Exit codes: 0 ok, 1 invalid route table, 2 usage error, 3 wrangler/KV failure, 70 internal error.
 */
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
