import { createExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { makeGateway, publish, simpleConfig, testEnv, upstreams } from '../support/gateway.ts'
import { auth } from './_helpers.ts'

const ENDPOINTS = ['/status', '/stats', '/stats/prometheus', '/clusters', '/config_dump', '/ready', '/config/history']

describe('admin API authentication', () => {
  it.each(ENDPOINTS)('GET %s: 401 with WWW-Authenticate without a token or with a wrong one', async (path) => {
    await publish(simpleConfig(upstreams().echo))
    const gw = makeGateway()
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer test-admin-tokem' }, { authorization: 'test-admin-token' }, { authorization: 'Bearer ' }]) {
      const res = await gw.fetch(`/__legate${path}`, { headers })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toContain('Bearer')
      expect(await res.json()).toMatchObject({ code: 'ERR_UNAUTHORIZED' })
    }
    expect((await gw.fetchAndSettle(`/__legate${path}`, { headers: auth })).status).toBe(200)
  })

  it('is off (404) for every admin path, the dashboard included, when no token is configured', async () => {
    await publish(simpleConfig(upstreams().echo))
    const gw = makeGateway()
    for (const path of [...ENDPOINTS, '/ui', '/config']) {
      const res = await gw.gateway.fetch(new Request(`http://gw.test/__legate${path}`, { headers: auth }), { ...testEnv, ADMIN_TOKEN: '' }, createExecutionContext())
      expect(res.status).toBe(404)
      expect(await res.json()).toMatchObject({ code: 'ERR_ROUTE_NOT_FOUND' })
    }
  })

  it('refuses mutations by GET (405 with Allow) and never acts on them', async () => {
    await publish(simpleConfig(upstreams().echo))
    const gw = makeGateway()
    const live = async () => (await (await gw.fetch('/__legate/status', { headers: auth })).json<{ config: { live_version: number } }>()).config.live_version
    const before = await live()
    const get = await gw.fetch('/__legate/config/rollback', { headers: auth })
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(await get.json()).toMatchObject({ code: 'ERR_METHOD_NOT_ALLOWED' })
    const getConfig = await gw.fetch('/__legate/config', { headers: auth })
    expect([getConfig.status, getConfig.headers.get('allow')]).toEqual([405, 'PUT'])
    const postStats = await gw.fetch('/__legate/stats', { method: 'POST', headers: auth })
    expect([postStats.status, postStats.headers.get('allow')]).toEqual([405, 'GET'])
    expect(await live()).toBe(before)
  })

  it('answers unknown admin paths with a 404 problem', async () => {
    await publish(simpleConfig(upstreams().echo))
    const res = await makeGateway().fetch('/__legate/nope', { headers: auth })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ code: 'ERR_ROUTE_NOT_FOUND', detail: 'no admin endpoint GET /__legate/nope.' })
  })

  it('serves the dashboard page without the token (it holds no data), with a strict CSP', async () => {
    const res = await makeGateway().fetch('/__legate/ui')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'")
    const html = await res.text()
    // Self-contained: no external script, stylesheet, font, image or import (the SVG namespace URI is not a fetch).
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]|(src|href)=["']?https?:|url\(|@import/)
    expect(html).not.toContain('test-admin-token')
    expect((await makeGateway().fetch('/__legate/ui', { method: 'POST' })).status).toBe(401)
  })
})
