/**
 * @module Admin `GET /ui`: the dashboard, one self-contained page (src/admin/dashboard/index.html: inline script,
 * style and SVG; no CDN). It is a Workers static asset, not part of the Worker script (docs/performance.md "Bundle
 * size"): wrangler.toml's `[assets]` binds it as `ASSETS` with `run_worker_first = true`, so only this route serves
 * it, with its CSP. The page holds no data; its script asks for the token and polls the admin JSON endpoints.
 */
import { problem } from '../http/problem.ts'
import { type AdminApp, onlyMethods } from './context.ts'

export const UI_PATH = '/ui'

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
const HEADERS = { 'content-type': 'text/html; charset=UTF-8', 'content-security-policy': CSP, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' }

/** What wrangler.toml needs for the dashboard (the stock one has it; docs/filters.md shows it for your own entry). */
export const ASSETS_SETUP = '[assets] directory = "<legate>/src/admin/dashboard", binding = "ASSETS", run_worker_first = true'

export function registerUiRoutes(app: AdminApp): void {
  app.get(UI_PATH, async (c) => {
    const assets = c.env.ASSETS
    if (!assets) return problem({ code: 'ERR_ROUTE_NOT_FOUND', detail: `the dashboard's page is not deployed with this Worker: add ${ASSETS_SETUP} to wrangler.toml.`, requestId: c.get('requestId') })
    // `/` is the directory's index.html (assets' default html_handling); the asset's own headers are not used.
    const page = await assets.fetch(new URL('/', c.req.url))
    if (!page.ok) throw new Error(`the ASSETS binding answered ${page.status} for the dashboard page (index.html in the [assets] directory)`)
    return new Response(page.body, { status: 200, headers: HEADERS })
  })
  onlyMethods(app, UI_PATH, ['GET'])
}
