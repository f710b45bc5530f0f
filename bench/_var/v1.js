// bare + per-request timeout machinery as in src/upstream/forward.ts
export default { async fetch(request, env) {
  const url = new URL(request.url)
  const abort = new AbortController(); const extra = new AbortController()
  const timer = setTimeout(() => abort.abort('t'), 15000)
  const signal = AbortSignal.any([abort.signal, extra.signal])
  const res = await fetch(env.UPSTREAM + url.pathname + url.search, { method: request.method, headers: request.headers, redirect: 'manual', signal })
  clearTimeout(timer)
  return res } }
