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

/** The admin token comes from LEGATE_ADMIN_TOKEN (src/cli/admin-client.ts). */
async function withToken<T>(token: string | undefined, run: () => Promise<T>): Promise<T> {
  const saved = process.env.LEGATE_ADMIN_TOKEN
  if (token === undefined) delete process.env.LEGATE_ADMIN_TOKEN
  else process.env.LEGATE_ADMIN_TOKEN = token
  try {
    return await run()
  } finally {
    if (saved === undefined) delete process.env.LEGATE_ADMIN_TOKEN
    else process.env.LEGATE_ADMIN_TOKEN = saved
  }
}

describe('legate cache purge', () => {
  it('posts the URLs, variant headers and identity with the admin token, and prints what was purged', async () => {
    const r = await withToken('t0k', () => legate('cache', 'purge', 'https://api.test/a', 'https://other.test/b', '--header', 'x-tenant: acme', '--identity', 'alice', '--url', origin))
    expect(r.code).toBe(0)
    expect(seen.at(-1)).toEqual({ auth: 'Bearer t0k', path: '/__legate/cache/purge', body: { urls: ['https://api.test/a', 'https://other.test/b'], headers: { 'x-tenant': 'acme' }, identity: 'alice' } })
    expect(r.stdout).toBe('purged   https://api.test/a (route all)\nnot cached https://other.test/b: no route\n')
  })

  it('raises a route generation, and reports it as JSON with --json', async () => {
    const r = await withToken('t0k', () => legate('cache', 'purge', '--route', 'api', '--url', origin, '--json'))
    expect(r.code).toBe(0)
    expect(seen.at(-1)!.body).toEqual({ route: 'api' })
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, generations: { global: 0, routes: { api: 1 } } })
  })

  it('fails with the gateway’s reason: 1 for a refused request, 2 for a wrong token, 3 for no gateway', async () => {
    expect(await withToken('t0k', () => legate('cache', 'purge', '--route', 'nope', '--url', origin))).toMatchObject({ code: 1, stderr: expect.stringContaining('no route named "nope"') })
    expect(await withToken('bad', () => legate('cache', 'purge', '--all', '--url', origin))).toMatchObject({ code: 2, stderr: expect.stringContaining('refused the admin token') })
    expect((await withToken('t', () => legate('cache', 'purge', '--all', '--url', 'http://127.0.0.1:9'))).code).toBe(3)
  })

  it('refuses a command line without a target or a token', async () => {
    expect((await withToken('t0k', () => legate('cache', 'purge', '--url', origin))).code).toBe(2)
    expect((await legate('cache', 'flush')).code).toBe(2)
    // Not a local gateway, so .dev.vars is not read either.
    expect(await withToken(undefined, () => legate('cache', 'purge', '--all', '--url', 'http://127.0.0.2:1'))).toMatchObject({ code: 2, stderr: expect.stringContaining('no admin token') })
  })
})
