/** @module The bench route table of N routes (bench/micro.ts, bench/snapshot-memory.ts). */
/** The same route mix as bench/micro-router.ts (prefix, exact, regex, template, then a catch-all), as a full table. */
export function benchConfig(n: number) {
  const routes: Record<string, unknown>[] = []
  for (let i = 0; i < n - 1; i++) {
    const kind = i % 4
    const match =
      kind === 0
        ? { prefix: `/api/v1/svc${i}/` }
        : kind === 1
          ? { exact: `/api/v1/svc${i}/health`, methods: ['GET'] }
          : kind === 2
            ? { regex: `/api/v1/svc${i}/items/[0-9]+` }
            : { template: `/api/v1/svc${i}/users/{id}/orders/{order}` }
    routes.push({ name: `r${i}`, match, forward: { cluster: 'upstream' } })
  }
  routes.push({ name: 'catch-all', match: { prefix: '/' }, forward: { cluster: 'upstream' } })
  return {
    clusters: [{ name: 'upstream', endpoints: [{ url: 'http://127.0.0.1:8080' }] }],
    virtual_hosts: [{ name: 'bench', domains: ['*'], routes }],
  }
}

