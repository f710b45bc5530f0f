// bare + response headers mutated in place after a clone-free re-wrap (new Response(res.body, res))
export default { async fetch(request, env) {
  const url = new URL(request.url)
  const res = await fetch(env.UPSTREAM + url.pathname + url.search, request)
  const out = new Response(res.body, res); out.headers.set('x-a', '1'); return out } }
