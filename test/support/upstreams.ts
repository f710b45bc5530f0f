/**
 * @module Real upstream servers on 127.0.0.1 for tests and benchmarks (Node side).
 *
 * Each echo server answers with JSON describing what it received. A request header `x-upstream-behavior`
 * makes it misbehave, so tests pick the failure through the gateway without extra servers:
 * - `status=503`        answer with that status
 * - `hang`              never answer (the gateway's timeout must fire)
 * - `delay=200`         answer after 200 ms
 * - `reset`             destroy the socket before answering
 * - `reset-after-headers` send headers and part of the body, then destroy the socket
 * - `bytes=N`           stream N bytes of response body
 * - `redirect=/x`       answer 302 to /x
 * - `respond-early`     answer 200 as soon as the first body bytes arrive (proves the body is streamed)
 * - `slow=200`          send the headers at once and the body 200 ms later
 * Directives combine with `;` (the first misbehaviour wins; stateful ones need a `key`):
 * - `key=K`             count attempts under K, across the three servers (see `GET /__upstream/keys/K`)
 * - `fail-times=N`      misbehave for the first N attempts of the key only, then answer 200 (`status=503` unless
 *                       another misbehaviour is named): `fail-times=3;key=abc`
 * - `on=echo-b,echo-c`  misbehave only on these servers; the others answer 200
 * - `retry-after=2`     add `Retry-After: 2` to a misbehaving status answer
 * - `delay=MS`          also combines: `delay=40;status=503` answers 503 after 40 ms
 * - `interim=100,103`   also combines: send these 1xx interim responses (100 Continue, 102 Processing, 103 Early
 *                       Hints) before anything else (only on the servers `on` names, only for the first
 *                       `fail-times` attempts), then behave as asked
 * Control paths, on any server: `GET /__upstream/keys/K` returns the key's attempts (total, per server, the
 * `x-envoy-attempt-count` of each, the most in flight at once, and the most retries in flight at once);
 * `PUT /__upstream/health/K?status=503[&server=echo-b]` sets what `GET /__upstream/health/K` answers (200 until
 * set), so health checks can be failed per test without touching other tests.
 * The body is counted while streaming, never buffered (`bodyBytes` in the reply); bodies under 64 KiB are echoed.
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { control, parseBehavior, recordOf } from './upstream-control.ts'

export interface Upstreams {
  /** Three echo servers, so load balancing and retries can tell endpoints apart. */
  echo: [string, string, string]
  /** An origin where nothing listens: connections are refused. */
  refused: string
  close(): Promise<void>
}

const ECHO_LIMIT = 64 * 1024

function handle(name: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/__upstream/') && control(name, req, res)) return
    const parsed = parseBehavior(String(req.headers['x-upstream-behavior'] ?? ''))
    let { kind } = parsed
    const { arg, opts } = parsed
    let delay = opts.get('delay')
    let healed: string | undefined // set to '' once fail-times attempts have misbehaved: no more interim responses
    const key = opts.get('key')
    if (key !== undefined) {
      const r = recordOf(key)
      r.attempts++
      r.byServer[name] = (r.byServer[name] ?? 0) + 1
      const count = req.headers['x-envoy-attempt-count']
      r.attemptCounts.push(typeof count === 'string' ? count : null)
      const retry = Number(count ?? 1) > 1
      r.inFlight++
      r.maxInFlight = Math.max(r.maxInFlight, r.inFlight)
      if (retry) r.maxRetriesInFlight = Math.max(r.maxRetriesInFlight, ++r.retriesInFlight)
      res.once('close', () => {
        r.inFlight--
        if (retry) r.retriesInFlight--
      })
      const failTimes = opts.get('fail-times')
      if (failTimes !== undefined && r.attempts > Number(failTimes)) kind = delay = healed = ''
    }
    const on = opts.get('on')
    if (on !== undefined && !on.split(',').includes(name)) kind = delay = ''
    const retryAfter = opts.get('retry-after')
    const interim = healed === undefined && (on === undefined || on.split(',').includes(name)) ? (opts.get('interim') ?? '') : ''
    for (const code of interim.split(',').filter(Boolean)) sendInterim(res, Number(code))
    if (kind === 'reset') {
      req.socket.destroy()
      return
    }
    if (kind === 'respond-early') {
      req.once('data', () => {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.end('early')
      })
      req.resume()
      return
    }
    const hash = createHash('sha256')
    let bodyBytes = 0
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => {
      bodyBytes += c.length
      hash.update(c)
      if (bodyBytes <= ECHO_LIMIT) chunks.push(c)
    })
    req.on('end', () => {
      if (key !== undefined) {
        const xfh = req.headers['x-forwarded-host']
        recordOf(key).seen.push({ server: name, forwardedHost: typeof xfh === 'string' ? xfh : null, bodyBytes })
      }
      if (kind === 'hang') return
      const reply = () => {
        if (kind === 'bytes') return streamBytes(res, Number(arg))
        if (kind === 'reset-after-headers') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' })
          res.write(Buffer.alloc(1024, 97))
          setTimeout(() => res.socket?.destroy(), 20)
          return
        }
        if (kind === 'redirect') {
          res.writeHead(302, { location: arg ?? '/' })
          return res.end()
        }
        const status = kind === 'status' ? Number(arg) : 200
        const extra: Record<string, string> = kind === 'status' && retryAfter !== undefined ? { 'retry-after': retryAfter } : {}
        const body = JSON.stringify({
          server: name,
          method: req.method,
          url: req.url,
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          bodyBytes,
          bodySha256: hash.digest('hex'),
          body: bodyBytes <= ECHO_LIMIT ? Buffer.concat(chunks).toString('utf8') : undefined,
        })
        res.writeHead(status, {
          'content-type': 'application/json',
          'x-upstream': name,
          connection: 'keep-alive',
          'keep-alive': 'timeout=5',
          'x-hop': 'upstream',
          ...extra,
        })
        if (kind === 'slow') {
          res.flushHeaders()
          setTimeout(() => res.end(body), Number(arg))
        } else res.end(body)
      }
      if (delay) setTimeout(reply, Number(delay))
      else reply()
    })
  }
}

/** A 1xx interim response, as Node's own helpers write them. */
function sendInterim(res: ServerResponse, code: number) {
  if (code === 100) res.writeContinue()
  else if (code === 102) res.writeProcessing()
  else if (code === 103) res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
}

function streamBytes(res: ServerResponse, total: number) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) })
  const chunk = Buffer.alloc(64 * 1024, 120)
  let sent = 0
  const pump = () => {
    while (sent < total) {
      const n = Math.min(chunk.length, total - sent)
      sent += n
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump)
    }
    res.end()
  }
  pump()
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Starts the echo servers (each also accepts WebSocket upgrades and echoes messages). */
export async function startUpstreams(): Promise<Upstreams> {
  const servers: Server[] = []
  const origins: string[] = []
  for (const name of ['echo-a', 'echo-b', 'echo-c']) {
    const server = createServer(handle(name))
    server.keepAliveTimeout = 1000
    const wss = new WebSocketServer({ server })
    wss.on('connection', (ws, req) => {
      ws.send(`hello from ${name} ${req.url}`)
      ws.on('message', (data) => ws.send(`echo:${data.toString()}`))
    })
    servers.push(server)
    origins.push(await listen(server))
  }
  const probe = createServer()
  const refused = await listen(probe)
  await new Promise((r) => probe.close(r))
  return {
    echo: origins as [string, string, string],
    refused,
    async close() {
      for (const s of servers) {
        s.closeAllConnections()
        await new Promise((r) => s.close(r))
      }
    },
  }
}
