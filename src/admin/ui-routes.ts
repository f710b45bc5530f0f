/**
 * @module Admin `GET /ui`: the dashboard, one self-contained page (inline script, style and SVG; no CDN). It
 * holds no data: its script reads the token from the URL fragment (`#token=…`, never sent to the server) or
 * asks for it, then polls the admin JSON endpoints with it.
 */
import { DASHBOARD_HTML } from './ui-page.ts'
import { type AdminApp, onlyMethods } from './context.ts'

export const UI_PATH = '/ui'

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

export function registerUiRoutes(app: AdminApp): void {
  app.get(UI_PATH, (c) =>
    c.html(DASHBOARD_HTML, 200, { 'content-security-policy': CSP, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' })
  )
  onlyMethods(app, UI_PATH, ['GET'])
}
