// bare + request headers copied and extended (no response wrap)
export default { async fetch(request, env) {
  const url = new URL(request.url)
  const h = new Headers(request.headers); h.delete('connection'); h.set('x-request-id', crypto.randomUUID()); h.set('x-forwarded-for', '127.0.0.1'); h.set('x-forwarded-proto', 'http'); h.set('x-forwarded-host', url.host)
  return fetch(env.UPSTREAM + url.pathname + url.search, { method: request.method, headers: h, redirect: 'manual' }) } }
