import { afterEach, describe, expect, it } from 'vitest'
import { activeFaultCount, type FaultState, faultFilter, setRandomSource } from '../../../src/filters/fault/index.ts'
import { build, type ContextInit, expectProblem, makeContext, run } from '../_context.ts'

const dice = (value: number) => setRandomSource(() => value)
const state = (rc: { state: Record<string, unknown> }) => rc.state.fault as FaultState

afterEach(() => setRandomSource())

describe('fault abort', () => {
  it('answers with an ERR_FAULT_ABORT problem carrying the configured status and flag FI', async () => {
    const rc = makeContext({ requestId: 'r-fi' })
    const { response, local } = await run(build(faultFilter, { abort: { http_status: 502 } }), rc)
    expect(local).toBe(true)
    await expectProblem(response, { status: 502, code: 'ERR_FAULT_ABORT', requestId: 'r-fi', flag: 'FI' })
    expect([...rc.flags]).toEqual(['FI'])
    expect(state(rc)).toEqual({ aborted_status: 502 })
  })

  it.each([
    [30, 0.29, true],
    [30, 0.3, false],
    [0, 0, false],
    [100, 0.999, true],
    [0.5, 0.004, true],
    [0.5, 0.005, false],
  ])('with percentage %d and a draw of %d aborts: %s', async (percentage, draw, aborted) => {
    dice(draw)
    const { local } = await run(build(faultFilter, { abort: { http_status: 503, percentage } }), makeContext())
    expect(local).toBe(aborted)
  })

  describe('header_abort', () => {
    const cfg = { abort: { http_status: 503, percentage: 50, header_abort: true } }
    const withHeaders = (headers: Record<string, string>): ContextInit => ({ headers })

    it('takes the status from x-envoy-fault-abort-request (read as received: the core strips x-envoy-*)', async () => {
      dice(0)
      const rc = makeContext(withHeaders({ 'x-envoy-fault-abort-request': '429' }))
      expect(rc.headers.has('x-envoy-fault-abort-request')).toBe(false)
      const { response } = await run(build(faultFilter, cfg), rc)
      expect(response.status).toBe(429)
    })

    it('falls back to http_status for an invalid header status, and aborts nothing without either', async () => {
      dice(0)
      const bad = await run(build(faultFilter, cfg), makeContext(withHeaders({ 'x-envoy-fault-abort-request': '700' })))
      expect(bad.response.status).toBe(503)
      const none = await run(build(faultFilter, { abort: { header_abort: true } }), makeContext())
      expect(none.local).toBe(false)
    })

    it('caps the header percentage by the configured one', async () => {
      dice(0.6)
      const high = await run(build(faultFilter, cfg), makeContext(withHeaders({ 'x-envoy-fault-abort-request-percentage': '80' })))
      expect(high.local).toBe(false)
      dice(0.2)
      const low = await run(build(faultFilter, cfg), makeContext(withHeaders({ 'x-envoy-fault-abort-request-percentage': '10' })))
      expect(low.local).toBe(false)
      dice(0.05)
      const hit = await run(build(faultFilter, cfg), makeContext(withHeaders({ 'x-envoy-fault-abort-request-percentage': '10' })))
      expect(hit.local).toBe(true)
    })

    it('ignores fault headers unless header_abort is set', async () => {
      dice(0)
      const filter = build(faultFilter, { abort: { http_status: 503, percentage: 0 } })
      const { local } = await run(filter, makeContext(withHeaders({ 'x-envoy-fault-abort-request': '500', 'x-envoy-fault-abort-request-percentage': '100' })))
      expect(local).toBe(false)
    })
  })
})

describe('fault delay', () => {
  it('delays, raises DI and continues', async () => {
    const rc = makeContext()
    const { local } = await run(build(faultFilter, { delay: { fixed_delay: '5ms' } }), rc)
    expect(local).toBe(false)
    expect([...rc.flags]).toEqual(['DI'])
    expect(state(rc)).toEqual({ delayed_ms: 5 })
    expect(activeFaultCount()).toBe(0)
  })

  it('delays first, then aborts: both flags', async () => {
    const rc = makeContext()
    const { response } = await run(build(faultFilter, { delay: { fixed_delay: '2ms' }, abort: { http_status: 504 } }), rc)
    await expectProblem(response, { status: 504, code: 'ERR_FAULT_ABORT' })
    expect([...rc.flags].sort()).toEqual(['DI', 'FI'])
  })

  it('takes the delay from x-envoy-fault-delay-request with header_delay, capped percentage', async () => {
    dice(0.4)
    const filter = build(faultFilter, { delay: { header_delay: true, percentage: 50 } })
    const rc = makeContext({ headers: { 'x-envoy-fault-delay-request': '3', 'x-envoy-fault-delay-request-percentage': '90' } })
    await run(filter, rc)
    expect(state(rc).delayed_ms).toBe(3)
    const capped = makeContext({ headers: { 'x-envoy-fault-delay-request': '3', 'x-envoy-fault-delay-request-percentage': '30' } })
    await run(filter, capped)
    expect(capped.flags.has('DI')).toBe(false)
  })

  it('skips faults while max_active_faults requests are being delayed (faults_overflow)', async () => {
    const filter = build(faultFilter, { delay: { fixed_delay: '30ms' }, abort: { http_status: 503 }, max_active_faults: 1 })
    const first = makeContext()
    const pending = run(filter, first)
    expect(activeFaultCount()).toBe(1)
    const second = makeContext()
    const { local } = await run(filter, second)
    expect(local).toBe(false)
    expect(second.flags.size).toBe(0)
    expect(state(second)).toEqual({ overflow: true })
    expect((await pending).response.status).toBe(503)
    expect(activeFaultCount()).toBe(0)
  })

  it('injects nothing with max_active_faults: 0', async () => {
    const rc = makeContext()
    const { local } = await run(build(faultFilter, { abort: { http_status: 503 }, max_active_faults: 0 }), rc)
    expect(local).toBe(false)
    expect(state(rc)).toEqual({ overflow: true })
  })

  it('has no phases with an empty config', () => {
    expect(build(faultFilter, {})).toEqual({})
  })
})
