/**
 * @module Admin flight recorder: `GET /recorder/snapshots` (every route's frozen snapshots, newest first),
 * `GET /recorder/snapshot?route=&id=` (one snapshot: the buffer before the event, the event, what followed) and
 * `GET /recorder/buffer?route=` (a route's ring buffer now). Route names may contain "/", hence query params.
 */
import * as z from 'zod'
import { problem } from '../http/problem.ts'
import { RECORDER_INDEX, recorderName } from '../observability/recorder.ts'
import { type AdminApp, onlyMethods, validQuery } from './context.ts'

const routeQuery = z.object({ route: z.string().min(1).max(256) })
const snapshotQuery = routeQuery.extend({ id: z.string().min(1).max(64) })

export function registerRecorderRoutes(app: AdminApp): void {
  app.get('/recorder/snapshots', async (c) => c.json({ snapshots: (await c.env.RECORDER.getByName(RECORDER_INDEX).list()).snapshots }))

  app.get('/recorder/snapshot', async (c) => {
    const q = validQuery(c, snapshotQuery)
    if (q instanceof Response) return q
    const { route, id } = q
    const result = await c.env.RECORDER.getByName(recorderName(route)).snapshot(id)
    if (!result.ok) return problem({ code: 'ERR_ROUTE_NOT_FOUND', detail: `route "${route}" has no snapshot ${id} (it may have been rotated out).`, requestId: c.get('requestId') })
    return c.json(result.snapshot)
  })

  app.get('/recorder/buffer', async (c) => {
    const q = validQuery(c, routeQuery)
    if (q instanceof Response) return q
    const { route } = q
    return c.json({ route, summaries: (await c.env.RECORDER.getByName(recorderName(route)).buffer()).summaries })
  })

  for (const path of ['/recorder/snapshots', '/recorder/snapshot', '/recorder/buffer']) onlyMethods(app, path, ['GET'])
}
