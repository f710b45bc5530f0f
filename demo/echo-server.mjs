#!/usr/bin/env node
/**
 * @module The demo upstream for `npm start`: a tiny offline HTTP server on 127.0.0.1 that answers every request
 * with JSON describing it (method, path, query, headers, body), so you can see what the gateway forwarded.
 *
 *   node demo/echo-server.mjs [--port 8788] [--host 127.0.0.1]
 */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'

/** Bodies above this are counted, not echoed. */
const ECHO_LIMIT = 64 * 1024

const { values } = parseArgs({
  options: { port: { type: 'string', default: process.env.ECHO_PORT ?? '8788' }, host: { type: 'string', default: '127.0.0.1' } },
})
const port = Number(values.port)

/** Repeated query keys become arrays: `?a=1&a=2` → { a: ['1', '2'] }. */
function queryObject(params) {
  const out = {}
  for (const [k, v] of params) out[k] = k in out ? [].concat(out[k], v) : v
  return out
}

const server = createServer((req, res) => {
  const chunks = []
  let bytes = 0
  req.on('data', (c) => {
    bytes += c.length
    if (bytes <= ECHO_LIMIT) chunks.push(c)
  })
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://echo')
    const reply = JSON.stringify(
      {
        server: 'legate-demo-echo',
        method: req.method,
        path: url.pathname,
        query: queryObject(url.searchParams),
        headers: req.headers,
        body: bytes <= ECHO_LIMIT ? Buffer.concat(chunks).toString('utf8') : `(${bytes} bytes, not echoed)`,
      },
      null,
      2
    )
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-upstream': 'legate-demo-echo' })
    res.end(`${reply}\n`)
  })
})

server.on('error', (e) => {
  const hint = e.code === 'EADDRINUSE' ? ` (port ${port} is in use: pick another with --echo-port)` : ''
  console.error(`echo server: ${e.message}${hint}`)
  process.exit(1)
})
server.listen(port, values.host, () => {
  const { port: bound } = server.address()
  console.log(`echo server listening on http://${values.host}:${bound}`)
})

for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    server.close(() => process.exit(0))
    server.closeAllConnections()
  })
