/**
 * A fast upstream for the benchmark: a plain Node HTTP server on 127.0.0.1 answering every request with a small
 * JSON body (keep-alive, no logging, the request body drained). A path containing `/__echo` answers with the
 * request it received (method, url, headers) instead, so the harness can check what each system sent upstream.
 * Run as a child of bench/run.mjs (fork, IPC): it reports { port } once listening and exits as soon as the
 * parent goes away, even if the parent was killed. Standalone: `node bench/upstream.mjs [port]`.
 */
import http from 'node:http'

const BODY = Buffer.from(JSON.stringify({ ok: true, service: 'bench-upstream', note: 'small fixed body' }))

const server = http.createServer((req, res) => {
  // Drain any request body before answering, so keep-alive connections stay reusable.
  req.on('data', () => {})
  req.on('end', () => {
    if (req.url.includes('/__echo')) {
      const echo = Buffer.from(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }))
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': echo.length })
      return res.end(echo)
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length })
    res.end(BODY)
  })
})
server.keepAliveTimeout = 65_000
server.headersTimeout = 66_000

const port = Number(process.argv[2] ?? 0)
server.listen(port, '127.0.0.1', () => {
  const { port: bound } = server.address()
  if (process.send) process.send({ port: bound })
  else console.log(`upstream on http://127.0.0.1:${bound}`)
})

function shutdown() {
  server.close()
  server.closeAllConnections?.()
  process.exit(0)
}
// Parent gone (normal exit, crash or SIGKILL): the IPC channel closes and we go too.
process.on('disconnect', shutdown)
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
