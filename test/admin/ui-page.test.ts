/**
 * The dashboard page as the gateway serves it (the static asset through the ASSETS binding): its markup and
 * script agree, every element the script looks up by id exists in the page.
 */
import { createExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { makeGateway, testEnv } from '../support/gateway.ts'

const page = async () => {
  const res = await makeGateway().fetch('/__legate/ui')
  expect(res.status).toBe(200)
  const html = await res.text()
  const script = html.slice(html.indexOf('<script>'), html.lastIndexOf('</script>'))
  return { html, script, ids: new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])) }
}

describe('dashboard page', () => {
  it('has every element its script looks up by a literal id', async () => {
    const { script, ids } = await page()
    const looked = [...new Set([...script.matchAll(/\$\('([\w-]+)'\)/g)].map((m) => m[1]!))]
    expect(looked.length).toBeGreaterThan(20)
    expect(looked.filter((id) => !ids.has(id))).toEqual([])
  })

  it('has a totals cell for each status class and a status legend on the totals, routes and clusters cards', async () => {
    const { html, ids } = await page()
    for (const k of [1, 2, 3, 4, 5]) expect(ids.has(`t-${k}xx`), `t-${k}xx`).toBe(true)
    for (const card of ['totals-panel', 'routes-panel', 'clusters-panel']) {
      const section = html.slice(html.indexOf(`<section id="${card}"`))
      expect(section.slice(0, section.indexOf('</section>')), card).toContain('class="legend status-legend"')
    }
  })

  it('carries the chart and panel helpers in its one script', async () => {
    const { script } = await page()
    for (const fn of ['function lineChart(', 'function renderTotals(', 'function renderRoutes(', 'function renderClusters(', 'function renderCache(', 'function render('])
      expect(script).toContain(fn)
    expect(script.match(/<script/g)).toHaveLength(1)
  })

  it('answers 404 saying what to add to wrangler.toml when the Worker has no ASSETS binding', async () => {
    const env = { ...testEnv, ASSETS: undefined }
    const res = await makeGateway().gateway.fetch(new Request('http://gw.test/__legate/ui'), env, createExecutionContext())
    expect(res.status).toBe(404)
    const body = await res.json<{ code: string; detail: string }>()
    expect(body.code).toBe('ERR_ROUTE_NOT_FOUND')
    expect(body.detail).toContain('binding = "ASSETS", run_worker_first = true')
  })
})
