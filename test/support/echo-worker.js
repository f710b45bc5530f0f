// An auxiliary Worker used as a service-binding endpoint in tests: echoes what it received as JSON.
export default {
  async fetch(request) {
    const url = new URL(request.url)
    const body = await request.text()
    return Response.json(
      { worker: 'echo-service', method: request.method, url: request.url, path: url.pathname, search: url.search, headers: Object.fromEntries(request.headers), body },
      { headers: { 'x-upstream': 'echo-service' } }
    )
  },
}
