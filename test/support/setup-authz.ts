/**
 * @module Vitest global setup for the workers project: a real ext_authz HTTP service on 127.0.0.1 (Node side).
 *
 * It decides each check by the `authz` query parameter of the checked path (the filter forwards the query), or
 * by an `x-authz-behavior` request header when the config forwards it; the header wins:
 * - (nothing) / `allow`  200 with `x-authz-user: alice`, `x-authz-tenant: t1`, `x-legate-consumer: from-authz`,
 *                        `x-authz-secret: s3cret` (tests pick which ones `allowed_upstream_headers` copies)
 * - `allow-204`          204, no headers
 * - `deny` / `deny-<status>`  that status (default 403) with a JSON body `{"denied":true,"reason":"policy"}`,
 *                        `x-authz-reason: policy`, `www-authenticate: Bearer realm="authz"`, `x-internal: leak`,
 *                        `set-cookie: a=1` and `set-cookie: b=2`
 * - `deny-empty-<status>`  that status without a body
 * - `redirect`           302 to /login
 * - `error-<5xx>`        that status with a body
 * - `hang`               never answers (the filter's timeout fires)
 * - `reset`              destroys the socket
 * - `big-deny`           403 with a 100 KiB body
 * Every check is recorded (method, url, headers, body); tests read them back with
 * `GET /__authz/records?contains=<text in the url>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Origin of the ext_authz test service, `http://127.0.0.1:<port>`. */
    authz: string
  }
}

/** One check as the service received it. */
export interface AuthzRecord {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
  bodyBytes: number
}

const MAX_RECORDS = 2000

function behaviorOf(req: IncomingMessage): string {
  const header = req.headers['x-authz-behavior']
  if (typeof header === 'string' && header) return header
  const url = new URL(req.url ?? '/', 'http://authz.test')
  return url.searchParams.get('authz') ?? 'allow'
}

function decide(behavior: string, res: ServerResponse, req: IncomingMessage) {
  const [kind, ...rest] = behavior.split('-')
  const arg = rest.join('-')
  if (kind === 'hang') return
  if (kind === 'reset') return void req.socket.destroy()
  if (kind === 'allow') {
    if (arg === '204') return void res.writeHead(204).end()
    res.writeHead(200, {
      'x-authz-user': 'alice',
      'x-authz-tenant': 't1',
      'x-legate-consumer': 'from-authz',
      'x-authz-secret': 's3cret',
      'content-type': 'text/plain',
    })
    return void res.end('ok')
  }
  if (kind === 'redirect') return void res.writeHead(302, { location: '/login' }).end()
  if (kind === 'error') return void res.writeHead(Number(arg || 500), { 'content-type': 'text/plain' }).end('authz broke')
  if (behavior === 'big-deny') return void res.writeHead(403, { 'content-type': 'text/plain' }).end('x'.repeat(100 * 1024))
  if (kind === 'deny') {
    const empty = arg.startsWith('empty')
    const status = Number((empty ? arg.slice('empty'.length + 1) : arg) || 403)
    res.setHeader('x-authz-reason', 'policy')
    res.setHeader('www-authenticate', 'Bearer realm="authz"')
    res.setHeader('x-internal', 'leak')
    res.setHeader('set-cookie', ['a=1', 'b=2'])
    if (empty) return void res.writeHead(status).end()
    res.writeHead(status, { 'content-type': 'application/json' })
    return void res.end(JSON.stringify({ denied: true, reason: 'policy' }))
  }
  res.writeHead(400, { 'content-type': 'text/plain' }).end(`unknown behavior ${behavior}`)
}

export default async function setup(project: TestProject) {
  const records: AuthzRecord[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = req.url ?? '/'
      if (url.startsWith('/__authz/records')) {
        const contains = new URL(url, 'http://authz.test').searchParams.get('contains') ?? ''
        res.writeHead(200, { 'content-type': 'application/json' })
        return void res.end(JSON.stringify(records.filter((r) => r.url.includes(contains))))
      }
      const body = Buffer.concat(chunks)
      records.push({ method: req.method ?? '', url, headers: req.headers, body: body.toString('utf8'), bodyBytes: body.length })
      if (records.length > MAX_RECORDS) records.shift()
      decide(behaviorOf(req), res, req)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  project.provide('authz', `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  return async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
}
