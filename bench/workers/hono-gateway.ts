/**
 * @module What a user would write instead of Legate: a hand-written Hono gateway with off-the-shelf middleware,
 * doing the same work per request as the `legate-full` scenario (see bench/scenarios.mjs):
 *
 *   request id      hono/request-id: a fresh id (incoming ids are not trusted, as Legate's default), echoed in the
 *                   response and sent upstream as x-request-id
 *   CORS            hono/cors: one allowed origin, x-request-id exposed, Vary: Origin
 *   header mutation a request header added upstream, a response header added downstream
 *   body limit      hono/body-limit: 1 MiB, 413 above it
 *   fault           abort with 503 for 0 % of requests (one random draw per request, as Legate's fault filter)
 *   forward         hono/proxy to the UPSTREAM origin with X-Forwarded-For / -Proto / -Host, hop-by-hop headers
 *                   removed by the helper
 *
 * Not reproduced: Legate's route table, host matching and path normalization (a single catch-all route here),
 * and its problem-JSON local replies. The upstream origin comes from the UPSTREAM text binding.
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { proxy } from 'hono/proxy'
import { requestId, type RequestIdVariables } from 'hono/request-id'

type Env = { Bindings: { UPSTREAM: string }; Variables: RequestIdVariables }

/** Share of requests aborted by the fault middleware, as in legate-full's `fault: { abort: { percentage: 0 } }`. */
const FAULT_ABORT_PERCENT = 0

const app = new Hono<Env>()

// Ignore incoming ids (headerName '' skips the header), then echo ours downstream ourselves.
app.use(requestId({ headerName: '' }))
app.use(async (c, next) => {
  await next()
  c.res.headers.set('x-request-id', c.get('requestId'))
})
app.use(cors({ origin: 'https://app.example', exposeHeaders: ['x-request-id'] }))
app.use(async (c, next) => {
  await next()
  c.res.headers.append('x-bench-gateway', 'hono')
})
app.use(bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.json({ title: 'Payload Too Large', status: 413 }, 413) }))
app.use(async (c, next) => {
  if (Math.random() * 100 < FAULT_ABORT_PERCENT) return c.json({ title: 'Fault injected', status: 503 }, 503)
  await next()
})

app.all('*', (c) => {
  const url = new URL(c.req.url)
  const client = c.req.header('cf-connecting-ip') ?? '127.0.0.1'
  const xff = c.req.header('x-forwarded-for')
  return proxy(`${c.env.UPSTREAM}${url.pathname}${url.search}`, {
    ...c.req,
    headers: {
      ...c.req.header(),
      'x-forwarded-for': xff ? `${xff}, ${client}` : client,
      'x-forwarded-proto': url.protocol.slice(0, -1),
      'x-forwarded-host': url.host,
      'x-request-id': c.get('requestId'),
      'x-bench': 'hono',
    },
  })
})

export default app
