/**
 * @module What a user would write instead of Legate: a hand-written Hono gateway with off-the-shelf middleware,
 * doing the same work per request as the `legate-full` scenario (see bench/scenarios.mjs):
 *
 *   request id      hono/request-id: a fresh id (incoming ids are not trusted, as Legate's default), echoed in the
 *                   response and sent upstream as x-request-id
 *   CORS            hono/cors: one allowed origin, x-request-id exposed, Vary: Origin
 *   JWT             hono/jwk: RS256 against the run's JWKS (the JWKS text binding), issuer and audience checked
 *   header mutation a request header added upstream, a response header added downstream
 *   rate limit      Cloudflare's Rate Limiting binding (RATE_LIMITER), keyed by client address, 429 when refused
 *   body limit      hono/body-limit: 1 MiB, 413 above it
 *   fault           abort with 503 for 0 % of requests (one random draw per request, as Legate's fault filter)
 *   forward         hono/proxy to the UPSTREAM origin with X-Forwarded-For / -Proto / -Host, hop-by-hop headers
 *                   removed by the helper; a 5xx or a failed fetch is retried up to twice (legate-full's
 *                   `retry_on: 5xx, num_retries: 2`)
 *
 * Not reproduced: Legate's route table, host matching and path normalization (a single catch-all route here),
 * and its problem-JSON local replies. The upstream origin comes from the UPSTREAM text binding.
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { jwk } from 'hono/jwk'
import { proxy } from 'hono/proxy'
import { requestId, type RequestIdVariables } from 'hono/request-id'

type Env = {
  Bindings: { UPSTREAM: string; JWKS: string; RATE_LIMITER: { limit(o: { key: string }): Promise<{ success: boolean }> } }
  Variables: RequestIdVariables
}
type Keys = Extract<Parameters<typeof jwk>[0]['keys'], unknown[]>

const ISSUER = 'https://issuer.bench.example/'
const AUDIENCE = 'bench-api'
const RETRIES = 2
let keys: Keys | undefined

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
app.use(
  jwk({
    keys: (c) => (keys ??= JSON.parse(c.env.JWKS).keys as Keys),
    alg: ['RS256'],
    verification: { iss: ISSUER, aud: AUDIENCE },
  })
)
app.use(async (c, next) => {
  await next()
  c.res.headers.append('x-bench-gateway', 'hono')
})
app.use(async (c, next) => {
  const { success } = await c.env.RATE_LIMITER.limit({ key: c.req.header('cf-connecting-ip') ?? '127.0.0.1' })
  if (!success) return c.json({ title: 'Too Many Requests', status: 429 }, 429)
  await next()
})
app.use(bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.json({ title: 'Payload Too Large', status: 413 }, 413) }))
app.use(async (c, next) => {
  if (Math.random() * 100 < FAULT_ABORT_PERCENT) return c.json({ title: 'Fault injected', status: 503 }, 503)
  await next()
})

app.all('*', async (c) => {
  const url = new URL(c.req.url)
  const client = c.req.header('cf-connecting-ip') ?? '127.0.0.1'
  const xff = c.req.header('x-forwarded-for')
  const send = () =>
    proxy(`${c.env.UPSTREAM}${url.pathname}${url.search}`, {
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
  // Retries: GET without a body, so every attempt can resend the request.
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await send()
      if (res.status < 500 || attempt === RETRIES) return res
      await res.body?.cancel()
    } catch (e) {
      if (attempt === RETRIES) return c.json({ title: 'Bad Gateway', status: 502, detail: String(e) }, 502)
    }
  }
})

export default app
