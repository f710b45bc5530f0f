/**
 * @module Vitest global setup for the workers project: a real JWKS server on 127.0.0.1 (Node side).
 *
 * Tests in workerd program it over HTTP, so each test uses its own document name and counts its own hits:
 * - `GET /jwks/<name>`          the document registered for <name> (404 when none); every request is counted
 * - `PUT /__jwks/<name>`        register: `{ keys?: [...], body?: string, status?: 200, delay_ms?: 0 }`
 *                               (`keys` serves `{"keys": [...]}`; `body` serves raw text, e.g. invalid JSON)
 * - `GET /__hits?path=/jwks/x`  `{ "hits": n }` for one path; without `path`, `{ "hits": { path: n } }`
 * - `DELETE /__hits`            resets every count (`?path=` resets one)
 * Any other path answers 404 and is counted too (a test can prove that a `jku` URL was never fetched).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Origin of the JWKS test server, e.g. http://127.0.0.1:40123. */
    jwks: string
  }
}

interface Doc {
  status: number
  body: string
  delayMs: number
}

const json = (res: ServerResponse, status: number, value: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(value))
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Starts the server; returns its origin and a close function. */
export async function startJwksServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const docs = new Map<string, Doc>()
  const hits = new Map<string, number>()
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://jwks.test')
    const path = url.pathname
    if (path === '/__hits') {
      const one = url.searchParams.get('path')
      if (req.method === 'DELETE') {
        if (one === null) hits.clear()
        else hits.delete(one)
        return json(res, 200, { ok: true })
      }
      return json(res, 200, { hits: one === null ? Object.fromEntries(hits) : (hits.get(one) ?? 0) })
    }
    if (path.startsWith('/__jwks/') && req.method === 'PUT') {
      let input: { keys?: unknown[]; body?: string; status?: number; delay_ms?: number }
      try {
        input = JSON.parse(await readBody(req))
      } catch {
        return json(res, 400, { error: 'expected a JSON body' })
      }
      const body = input.body ?? JSON.stringify({ keys: input.keys ?? [] })
      docs.set(`/jwks/${path.slice('/__jwks/'.length)}`, { status: input.status ?? 200, body, delayMs: input.delay_ms ?? 0 })
      return json(res, 200, { ok: true })
    }
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const doc = docs.get(path)
    const reply = () => {
      if (!doc) return json(res, 404, { error: 'no such document' })
      res.writeHead(doc.status, { 'content-type': 'application/json', 'cache-control': 'max-age=60' })
      res.end(doc.body)
    }
    if (doc?.delayMs) setTimeout(reply, doc.delayMs)
    else reply()
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    async close() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

export default async function setup(project: TestProject) {
  const server = await startJwksServer()
  project.provide('jwks', server.origin)
  return () => server.close()
}
