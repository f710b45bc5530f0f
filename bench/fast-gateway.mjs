/**
 * fast-gateway (Node) as a JavaScript gateway peer: one prefix route forwarding everything under /api to the
 * bench upstream, path kept as is (comparable to `legate-plain`; fast-gateway has no built-in CORS, request-id or
 * body-limit filters, so it is not a full-chain peer). Run as a child of bench/run.mjs (fork, IPC):
 * `node bench/fast-gateway.mjs <fast-gateway module dir> <upstream origin>`; reports { port } once listening and
 * exits as soon as the parent goes away.
 */
import { createRequire } from 'node:module'
import path from 'node:path'

const [moduleDir, upstream] = process.argv.slice(2)
if (!moduleDir || !upstream) {
  console.error('usage: node bench/fast-gateway.mjs <fast-gateway module dir> <upstream origin>')
  process.exit(2)
}
const require = createRequire(path.join(moduleDir, 'package.json'))
const gateway = require(moduleDir)

const server = gateway({
  routes: [{ prefix: '/api', prefixRewrite: '/api', target: upstream }],
})

const { port } = await new Promise((resolve, reject) => {
  server
    .start(0, '127.0.0.1')
    .then((s) => resolve(s.address()))
    .catch(reject)
})
if (process.send) process.send({ port })
else console.log(`fast-gateway on http://127.0.0.1:${port}`)

async function shutdown() {
  try {
    await server.close()
  } finally {
    process.exit(0)
  }
}
process.on('disconnect', shutdown)
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
