/** The cluster core never names a cluster feature (issue 15 §3): features live in src/upstream/features/ only. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

describe('cluster features', () => {
  it('the core never names a feature: only src/upstream/features/ (and the storage migration of version 1) do', () => {
    const core = [
      'src/upstream/isolate/cluster.ts',
      'src/upstream/isolate/cluster-state.ts',
      'src/upstream/isolate/feature-hooks.ts',
      'src/upstream/isolate/health-snapshot.ts',
      'src/upstream/isolate/status.ts',
      'src/upstream/shared/shared-health.ts',
      'src/upstream/request/record.ts',
      'src/upstream/request/admission.ts',
      'durable/cluster-health.ts',
    ]
    // circuit_breakers (Envoy's per-isolate thresholds) stay in the core: they are request admission, not a cluster feature.
    const names = /outlier|\beject|health_?check|healthy\b|failure_?rate|half_?open|probe\b/i
    for (const file of core) {
      const code = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '')
      expect(code.split('\n').filter((l) => names.test(l)), file).toEqual([])
    }
  })
})
