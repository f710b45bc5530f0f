#!/usr/bin/env node
/**
 * @module `npm start`: the local gateway with the demo route table (see src/cli/dev/start.ts).
 *   npm start -- [--port 8787] [--echo-port 8788] [--persist-to .wrangler/state] [--routes routes]
 */
import { register } from 'tsx/esm/api'

register()
const { start } = await import('../src/cli/dev/start.ts')
process.exitCode = await start(process.argv.slice(2))
