/** The dashboard page's markup and script agree: every element the script looks up by id exists in the page. */
import { describe, expect, it } from 'vitest'
import { DASHBOARD_HTML } from '../../src/admin/ui-page.ts'
import { DASHBOARD_SCRIPT } from '../../src/admin/ui-script.ts'

const idsInPage = new Set([...DASHBOARD_HTML.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]))

describe('dashboard page', () => {
  it('has every element its script looks up by a literal id', () => {
    const looked = [...new Set([...DASHBOARD_SCRIPT.matchAll(/\$\('([\w-]+)'\)/g)].map((m) => m[1]!))]
    expect(looked.length).toBeGreaterThan(20)
    expect(looked.filter((id) => !idsInPage.has(id))).toEqual([])
  })

  it('has a totals cell for each status class and a status legend on the totals, routes and clusters cards', () => {
    for (const k of [1, 2, 3, 4, 5]) expect(idsInPage.has(`t-${k}xx`), `t-${k}xx`).toBe(true)
    for (const card of ['totals-panel', 'routes-panel', 'clusters-panel']) {
      const section = DASHBOARD_HTML.slice(DASHBOARD_HTML.indexOf(`<section id="${card}"`))
      expect(section.slice(0, section.indexOf('</section>')), card).toContain('class="legend status-legend"')
    }
  })

  it('inlines the chart and panel helpers into one script', () => {
    for (const fn of ['function lineChart(', 'function renderTotals(', 'function renderRoutes(', 'function renderClusters(', 'function render('])
      expect(DASHBOARD_SCRIPT).toContain(fn)
    expect(DASHBOARD_SCRIPT).not.toContain('${') // every template substitution was resolved
  })
})
