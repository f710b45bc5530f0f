/** Bindings the tests see through `env` from cloudflare:workers (wrangler.toml plus vitest.config.ts). */
declare namespace Cloudflare {
  interface Env {
    CONFIG: KVNamespace
    ADMIN_TOKEN: string
    ECHO_SERVICE: Fetcher
  }
}
