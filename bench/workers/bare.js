/**
 * The platform limit: a bare pass-through Worker. It forwards the request as is (method, headers, body) to the
 * upstream origin in the UPSTREAM text binding and returns the upstream response untouched.
 */
export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    return fetch(env.UPSTREAM + url.pathname + url.search, request)
  },
}
