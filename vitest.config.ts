import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { isExpectedNoise, quietExpectedNoise } from './test/support/quiet-noise.ts'

quietExpectedNoise()

// Two projects: `workers` runs inside workerd with real KV and Durable Objects (and talks to real upstream
// servers on 127.0.0.1 started by the global setup); `node` runs the CLI and the end-to-end tests that start
// the gateway the way a user does.
export default defineConfig({
  test: {
    // Config-applied info lines from the gateway are expected in every test; warnings and errors still show.
    // wrangler's notice when test/e2e/_workerd.ts reads wrangler.toml (its .dev.vars) goes too.
    onConsoleLog: (log) => !log.includes('"level":"info"') && !isExpectedNoise(log.trim()),
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: { ADMIN_TOKEN: 'test-admin-token' },
              serviceBindings: { ECHO_SERVICE: 'echo-service' },
              // Miniflare's simulator accepts data points and discards them (test/observability/analytics-engine.test.ts).
              analyticsEngineDatasets: { ANALYTICS: { dataset: 'legate_test' } },
              workers: [{ name: 'echo-service', modules: true, scriptPath: './test/support/echo-worker.js' }],
            },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/cli/**', 'test/node/**'],
          globalSetup: ['./test/support/global-setup.ts', './test/support/setup-jwks.ts', './test/support/setup-authz.ts', './test/support/setup-cache-origin.ts'],
        },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/node/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
