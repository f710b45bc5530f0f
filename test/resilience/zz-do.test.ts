import { expect, it } from 'vitest'
import { failureRateBreaker, outlierDetection } from '../../src/upstream/cluster-config.ts'
import { testEnv } from './helpers.ts'
it('do cost', async () => {
  const stub = testEnv.CLUSTER_HEALTH.getByName('perf')
  const spec = JSON.stringify({ name: 'perf', endpoints: [{ key: 'a', url: 'http://a' }], outlier: outlierDetection.parse({}), breaker: failureRateBreaker.parse({}) })
  for (const size of [0, 100, 1000]) {
    const outcomes = Array.from({ length: size }, (_, i) => [0, 200, 3, 1000 + i]).flat()
    const t = performance.now()
    for (let i = 0; i < 100; i++) await stub.report({ version: 1, spec, now: 1000 + i, outcomes })
    console.log(size, ((performance.now() - t) / 100).toFixed(2), 'ms/report')
  }
  expect(1).toBe(1)
})
