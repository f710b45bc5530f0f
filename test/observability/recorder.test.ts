import { reset } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { compileTriggers, type TriggerInput } from '../../src/observability/recorder.ts'
import { recorderTrigger } from '../../src/observability/recorder-config.ts'
import { publish, testEnv } from '../support/gateway.ts'
import { gatewayWith } from './_gateway.ts'

afterEach(() => reset())

const input = (over: Partial<TriggerInput> = {}): TriggerInput => ({
  status: 200,
  durationMs: 10,
  headers: new Headers(),
  route: 'r',
  window: { total: 1, errors: 0 },
  ...over,
})
const fires = (rule: Record<string, unknown>, i: TriggerInput) => compileTriggers([recorderTrigger.parse({ name: 't', ...rule })])[0]!.matches(i)

describe('trigger rules', () => {
  it.each([
    [{ status_class: '5xx' }, input({ status: 503 }), true],
    [{ status_class: '5xx' }, input({ status: 404 }), false],
    [{ statuses: [429, 503] }, input({ status: 429 }), true],
    [{ statuses: [429, 503] }, input({ status: 500 }), false],
    [{ latency_over: '200ms' }, input({ durationMs: 201 }), true],
    [{ latency_over: '200ms' }, input({ durationMs: 200 }), false],
    [{ header_present: 'X-Debug-Record' }, input({ headers: new Headers({ 'x-debug-record': '1' }) }), true],
    [{ header_present: 'x-debug-record' }, input(), false],
    [{ error_rate_percent: 50, min_requests: 4 }, input({ window: { total: 4, errors: 2 } }), true],
    [{ error_rate_percent: 50, min_requests: 4 }, input({ window: { total: 3, errors: 3 } }), false],
    [{ error_rate_percent: 50, min_requests: 4 }, input({ window: { total: 5, errors: 2 } }), false],
    [{ status_class: '5xx', routes: ['other'] }, input({ status: 503 }), false],
    [{ status_class: '5xx', latency_over: '1s' }, input({ status: 503, durationMs: 5 }), false],
  ])('%j on %o → %s', (rule, i, expected) => {
    expect(fires(rule, i)).toBe(expected)
  })

  it('refuses a rule without a condition', () => {
    expect(recorderTrigger.safeParse({ name: 'nothing' }).success).toBe(false)
  })
})

const table = (recorder: Record<string, unknown>) => ({
  observability: { access_log: { enabled: false }, recorder: { enabled: true, sample_percent: 100, buffer_size: 10, capture_after: 2, flush_interval: '1s', ...recorder } },
  virtual_hosts: [
    {
      name: 'v',
      domains: ['*'],
      routes: [
        { name: 'ok', match: { exact: '/ok' }, direct_response: { status: 200 } },
        { name: 'ok/fail', match: { exact: '/fail' }, direct_response: { status: 503 } },
      ],
    },
  ],
})
const FIVE_XX = { name: 'server-errors', status_class: '5xx' }

const admin = async (gw: ReturnType<typeof gatewayWith>, path: string) => {
  const { res, body } = await gw.fetch(`/__legate${path}`, { headers: { authorization: 'Bearer test-admin-token' } })
  expect(res.status).toBe(200)
  return JSON.parse(body)
}

describe('flight recorder', () => {
  it('freezes the buffer around a triggering request, then captures what follows', async () => {
    await publish(table({ triggers: [FIVE_XX] }))
    const gw = gatewayWith()
    for (let i = 0; i < 12; i++) await gw.fetch(`/ok?i=${i}`)
    expect((await admin(gw, '/recorder/snapshots')).snapshots).toEqual([]) // nothing sent yet: no trigger, no interval
    await gw.fetch('/fail')
    const list = (await admin(gw, '/recorder/snapshots')).snapshots
    expect(list).toEqual([{ id: expect.any(String), route: 'ok/fail', trigger: 'server-errors', at: gw.clock.now, status: 503, path: '/fail' }])
    for (let i = 0; i < 3; i++) await gw.fetch('/fail')
    gw.clock.now += 1_000
    await gw.fetch('/fail') // the interval passed: the pending summaries go out
    const snap = await admin(gw, `/recorder/snapshot?route=${encodeURIComponent('ok/fail')}&id=${list[0].id}`)
    expect(snap.event).toMatchObject({ status: 503, path: '/fail', trigger: 'server-errors', request_id: expect.any(String) })
    expect(snap.before.at(-1)).toEqual(snap.event)
    expect(snap.after).toHaveLength(2)
    expect(snap.collecting).toBe(false)
    // Within the cooldown (1m) no second snapshot, from this isolate or another.
    const other = gatewayWith()
    await other.fetch('/fail')
    expect((await admin(gw, '/recorder/snapshots')).snapshots).toHaveLength(1)
    // After it, the next 5xx freezes again.
    other.clock.now += 61_000
    await other.fetch('/fail')
    expect((await admin(gw, '/recorder/snapshots')).snapshots).toHaveLength(2)
  })

  it('keeps a bounded ring buffer per route, sampled', async () => {
    await publish(table({ sample_percent: 50 }))
    const gw = gatewayWith([0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6]) // 4 of 8 below 50%
    for (let i = 0; i < 8; i++) await gw.fetch(`/ok?i=${i}`)
    gw.clock.now += 1_000
    await gw.fetch('/ok') // draw 0.5: not sampled; sends the batch
    const buffer = await admin(gw, '/recorder/buffer?route=ok')
    expect(buffer.summaries).toHaveLength(4)
    await publish(table({ sample_percent: 100 }))
    const busy = gatewayWith()
    for (let i = 0; i < 25; i++) await busy.fetch('/ok')
    busy.clock.now += 1_000
    await busy.fetch('/ok')
    expect((await admin(busy, '/recorder/buffer?route=ok')).summaries).toHaveLength(10)
  })

  it('sends nothing while disabled', async () => {
    await publish({ ...table({ triggers: [FIVE_XX] }), observability: { recorder: { enabled: false, triggers: [FIVE_XX] } } })
    const gw = gatewayWith()
    await gw.fetch('/fail')
    expect((await admin(gw, '/recorder/snapshots')).snapshots).toEqual([])
    expect((await testEnv.RECORDER.getByName('route:ok/fail').buffer()).summaries).toEqual([])
  })
})
