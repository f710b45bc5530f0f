/** `legate cache purge` against a real HTTP server standing in for the gateway's admin API. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { legate } from './helpers.ts'

let server: Server
let origin: string
const seen: { auth?: string; path?: string; body: unknown }[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = ''
    req.on('data', (c: Buffer) => (text += c.toString()))
    req.on('end', () => {
      const body = JSON.parse(text || '{}') as { route?: string; urls?: string[] }
      seen.push({ auth: req.headers.authorization, path: req.url, body })
      if (req.headers.authorization !== 'Bearer t0k') {
        res.writeHead(401, { 'content-type': 'application/problem+json' })
        return res.end(JSON.stringify({ detail: 'send the admin token' }))
      }
      if (body.route === 'nope') {
        res.writeHead(400, { 'content-type': 'application/problem+json' })
        return res.end(JSON.stringify({ detail: 'the live config has no route named "nope".' }))
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ urls: (body.urls ?? []).map((url, i) => (i === 0 ? { url, route: 'all', deleted: true } : { url, route: null, deleted: false, reason: 'no route' })), ...(body.route ? { generations: { global: 0, routes: { [body.route]: 1 } } } : {}) }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('legate cache purge', () => {
  it('posts the URLs, variant headers and identity with the admin token, and prints what was purged', async () => {
    const r = await legate('cache', 'purge', 'https://api.test/a', 'https://other.test/b', '--header', 'x-tenant: acme', '--identity', 'alice', '--gateway', origin, '--token', 't0k')
    expect(r.code).toBe(0)
    expect(seen.at(-1)).toEqual({ auth: 'Bearer t0k', path: '/__legate/cache/purge', body: { urls: ['https://api.test/a', 'https://other.test/b'], headers: { 'x-tenant': 'acme' }, identity: 'alice' } })
    expect(r.stdout).toBe('purged   https://api.test/a (route all)\nnot cached https://other.test/b: no route\n')
  })

  it('raises a route generation, and reports it as JSON with --json', async () => {
    const r = await legate('cache', 'purge', '--route', 'api', '--gateway', origin, '--token', 't0k', '--json')
    expect(r.code).toBe(0)
    expect(seen.at(-1)!.body).toEqual({ route: 'api' })
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, generations: { global: 0, routes: { api: 1 } } })
  })

  it('fails with the gateway’s reason: 2 for a refused request, 3 for a wrong token or no gateway', async () => {
    expect(await legate('cache', 'purge', '--route', 'nope', '--gateway', origin, '--token', 't0k')).toMatchObject({ code: 2, stderr: expect.stringContaining('no route named "nope"') })
    expect(await legate('cache', 'purge', '--all', '--gateway', origin, '--token', 'bad')).toMatchObject({ code: 3, stderr: expect.stringContaining('answered 401') })
    expect((await legate('cache', 'purge', '--all', '--gateway', 'http://127.0.0.1:9', '--token', 't')).code).toBe(3)
  })

  it('refuses a command line without a target or a token', async () => {
    expect((await legate('cache', 'purge', '--gateway', origin, '--token', 't0k')).code).toBe(2)
    expect((await legate('cache', 'flush')).code).toBe(2)
    delete process.env.LEGATE_ADMIN_TOKEN
    expect(await legate('cache', 'purge', '--all', '--gateway', origin)).toMatchObject({ code: 2, stderr: expect.stringContaining('no admin token') })
  })
})
