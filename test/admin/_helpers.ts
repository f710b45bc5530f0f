/** Admin API test helpers: authenticated requests against a test gateway. */
import type { TestGateway } from '../support/gateway.ts'

export const TOKEN = 'test-admin-token'
export const auth = { authorization: `Bearer ${TOKEN}` }

/** An admin request with the test token (settles background work, e.g. the stats flush). */
export function admin(gw: TestGateway, path: string, init: RequestInit = {}) {
  return gw.fetchAndSettle(`/__legate${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } })
}

export const json = async <T = any>(res: Response) => (await res.json()) as T
