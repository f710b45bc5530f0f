/**
 * The pipeline's two phases, synchronous as long as every filter answers synchronously and continued after the
 * first filter that answers with a promise (src/pipeline.ts requestPhase / responsePhase): the order of phases,
 * local replies and failures are the same whichever filters are asynchronous, and a local reply from synchronous
 * filters comes back as a Response, not a promise (the cache hit's path, issue 17).
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import type { Env } from '../../src/env.ts'
import { createRegistry } from '../../src/filters/registry.ts'
import { defineFilter } from '../../src/filters/types.ts'
import { NOOP_STATS } from '../../src/observability/stats.ts'
import { handleRequest } from '../../src/pipeline.ts'
import { compileConfig } from '../../src/snapshot/compile.ts'
import { validateConfig } from '../../src/snapshot/validate.ts'

/**
 * Filter `step_<label>` (a chain names a filter once): appends `in:<label>` upstream and `out:<label>` to the
 * response; asynchronously when `async`; answers 418 when `answer`; throws in the phase `fail` names.
 */
const stepFilter = (label: string) => defineFilter({
  name: `step_${label}`,
  status: 'alpha',
  description: 'Records the order of phases, synchronously or not.',
  configSchema: z.strictObject({ async: z.boolean().default(false), answer: z.boolean().default(false), fail: z.enum(['none', 'request', 'response']).default('none') }),
  create(config) {
    const later = <T>(f: () => T): T | Promise<T> => (config.async ? Promise.resolve().then(f) : f())
    return {
      onRequest(rc) {
        return later(() => {
          if (config.fail === 'request') throw new Error('request phase failed')
          rc.headers.append('x-order', `in:${label}`)
          if (config.answer) return new Response(rc.headers.get('x-order'), { status: 418 })
          return undefined
        })
      },
      onResponse(_rc, res) {
        return later(() => {
          if (config.fail === 'response') throw new Error('response phase failed')
          res.headers.append('x-order', `out:${label}`)
        })
      },
    }
  },
})

const filters = createRegistry(['a', 'b', 'c', 'd'].map(stepFilter))

type Step = { label: string; async?: boolean; answer?: boolean; fail?: 'request' | 'response' }

/** One route whose chain is `steps`, answering 204 itself when no filter does. */
function serve(steps: Step[]): Response | Promise<Response> {
  const config = {
    // One chain entry per step, with that step's settings.
    http_filters: steps.map((s) => ({ name: `step_${s.label}`, config: { async: s.async ?? false, answer: s.answer ?? false, fail: s.fail ?? 'none' } })),
    virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ name: 'r', match: { prefix: '/' }, direct_response: { status: 204 } }] }],
  }
  const valid = validateConfig(config, filters)
  if (!valid.ok) throw new Error(JSON.stringify(valid.issues))
  const snapshot = compileConfig(valid.config, 1, filters)
  const request = new Request('https://gw.test/x')
  return handleRequest(snapshot, { request, url: new URL(request.url), env: env as unknown as Env, waitUntil: () => {}, requestId: 'r1', startedAt: Date.now(), stats: NOOP_STATS })
}

const order = async (r: Response | Promise<Response>) => {
  const res = await r
  return { status: res.status, body: await res.text(), out: res.headers.get('x-order') }
}

describe('the pipeline phases', () => {
  it('give a local reply from synchronous filters back as a Response, without a promise', () => {
    const r = serve([{ label: 'a' }, { label: 'b', answer: true }])
    expect(r).toBeInstanceOf(Response)
    expect((r as Response).headers.get('x-order')).toBe('out:a')
  })

  it('give a promise once a filter answers with one, or when the route action runs', () => {
    expect(serve([{ label: 'a', async: true }, { label: 'b', answer: true }])).toBeInstanceOf(Promise)
    expect(serve([{ label: 'a' }])).toBeInstanceOf(Promise)
  })

  it('run in the same order whichever filters are asynchronous', async () => {
    for (const asyncSet of [[], ['a'], ['b'], ['c'], ['a', 'c'], ['a', 'b', 'c']]) {
      const steps = ['a', 'b', 'c'].map((label) => ({ label, async: asyncSet.includes(label) }))
      expect(await order(serve(steps)), `async: ${asyncSet.join(',') || 'none'}`).toEqual({ status: 204, body: '', out: 'out:c, out:b, out:a' })
      const answered = [...steps.slice(0, 2), { label: 'c', async: asyncSet.includes('c'), answer: true }, { label: 'd' }]
      // c answers: d never runs, c does not see its own reply, b and a see it in reverse order.
      expect(await order(serve(answered)), `async: ${asyncSet.join(',') || 'none'}`).toEqual({ status: 418, body: 'in:a, in:b, in:c', out: 'out:b, out:a' })
    }
  })

  it('surface a failure in either phase, synchronous or not, to the caller (the gateway answers it with a 502)', async () => {
    for (const async of [false, true]) {
      await expect(Promise.resolve().then(() => serve([{ label: 'a' }, { label: 'b', async, fail: 'request' }]))).rejects.toThrow('request phase failed')
      await expect(Promise.resolve().then(() => serve([{ label: 'a', async, fail: 'response' }, { label: 'b', answer: true }]))).rejects.toThrow('response phase failed')
    }
  })
})
