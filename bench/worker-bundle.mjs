/**
 * The esbuild options that bundle a TypeScript Worker as wrangler does (ESM, `workerd` conditions, platform
 * modules left external). Shared by bench/systems.mjs and bench/micro-ratelimit.ts.
 */
export const WORKER_BUNDLE = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  external: ['cloudflare:*', 'node:*'],
  logLevel: 'warning',
}
