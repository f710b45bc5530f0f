// bare + only the response re-wrapped: new Response(res.body, { headers: copy })
export default { async fetch(request, env) {
  const url = new URL(request.url)
  const res = await fetch(env.UPSTREAM + url.pathname + url.search, request)
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) }) } }
