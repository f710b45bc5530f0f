/**
 * @module Vitest global setup for the workers project: a scriptable origin on 127.0.0.1 for the cache tests
 * (Node side). The first path segment is a key; `PUT /__origin/script/<key>` with JSON `{ status, headers, body,
 * delay_ms, mode: "ok" | "reset" | "hang", conditional }` sets how requests under `/<key>/…` are answered
 * (default: 200, `cache-control: max-age=60`); with `conditional`, a GET whose If-None-Match names the scripted
 * ETag (or, without one, whose If-Modified-Since is not before the scripted Last-Modified) gets a 304 with the
 * scripted headers. Each answer's body is `<body or key> #<n>` (n counts requests per key), so a test
 * tells a cached answer from a fresh one; `GET /__origin/hits/<key>` returns the count and each request's url
 * and headers; `GET /__origin/connections` how many TCP connections the server accepted so far.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Origin of the scriptable cache-test origin, `http://127.0.0.1:<port>`. */
    cacheOrigin: string
  }
}

interface Script {
  status?: number
  headers?: Record<string, string>
  body?: string
  delay_ms?: number
  mode?: 'ok' | 'reset' | 'hang'
  conditional?: boolean
}

/** Whether a conditional GET matches the scripted validators (strong enough for tests: exact ETag match). */
function matches(req: IncomingMessage, headers: Record<string, string>): boolean {
  const inm = req.headers['if-none-match']
  const etag = Object.entries(headers).find(([k]) => k.toLowerCase() === 'etag')?.[1]
  if (inm !== undefined) return etag !== undefined && inm.split(',').some((t) => t.trim() === etag)
  const ims = req.headers['if-modified-since']
  const lm = Object.entries(headers).find(([k]) => k.toLowerCase() === 'last-modified')?.[1]
  return ims !== undefined && lm !== undefined && Date.parse(lm) <= Date.parse(ims)
}

export default async function setup(project: TestProject) {
  const scripts = new Map<string, Script>()
  const hits = new Map<string, { url: string; headers: IncomingMessage['headers'] }[]>()
  let connections = 0
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://origin')
    if (url.pathname === '/__origin/connections') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ connections }))
    }
    const control = /^\/__origin\/(script|hits)\/([^/]+)$/.exec(url.pathname)
    if (control) {
      const [, what, key] = control as unknown as [string, string, string]
      if (what === 'hits') {
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ count: hits.get(key)?.length ?? 0, requests: hits.get(key) ?? [] }))
      }
      let text = ''
      req.on('data', (c: Buffer) => (text += c.toString()))
      req.on('end', () => {
        scripts.set(key, JSON.parse(text || '{}') as Script)
        res.writeHead(204)
        res.end()
      })
      return
    }
    const key = url.pathname.split('/')[1] ?? ''
    const list = hits.get(key) ?? []
    hits.set(key, list)
    list.push({ url: req.url ?? '/', headers: req.headers })
    const s = scripts.get(key) ?? {}
    req.resume()
    if (s.mode === 'reset') return void req.socket.destroy()
    if (s.mode === 'hang') return
    const answer = () => {
      if (s.conditional && req.method === 'GET' && matches(req, s.headers ?? {})) {
        res.writeHead(304, s.headers ?? {})
        return res.end()
      }
      res.writeHead(s.status ?? 200, { 'content-type': 'text/plain', ...(s.headers ?? { 'cache-control': 'max-age=60' }) })
      res.end(s.status === 204 || s.status === 304 ? undefined : `${s.body ?? key} #${list.length}`)
    }
    if (s.delay_ms) setTimeout(answer, s.delay_ms)
    else answer()
  })
  server.on('connection', () => connections++)
  server.keepAliveTimeout = 1000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  project.provide('cacheOrigin', `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  return () =>
    new Promise<void>((r) => {
      server.closeAllConnections()
      server.close(() => r())
    })
}
