/** Helpers for rollout tests: the coordinator with a settable clock, admin calls, traffic from many clients. */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import type { ConfigCoordinator } from '../../durable/config-coordinator.ts'
import { DEFAULT_OBSERVABILITY } from '../../src/observability/config.ts'
import { type TestGateway, testEnv } from '../support/gateway.ts'

/**
 * The coordinator's clock starts a day ahead of the real time: its alarms are real, set at its clock + the judging
 * interval, so they lie a day in the future and never fire by themselves (a time in the past would fire at once);
 * tests move its clock and fire the alarm with runDurableObjectAlarm, however slow the machine.
 */
export const T0 = Date.now() + 24 * 3_600_000
export const coordinatorStub = () => testEnv.CONFIG_COORDINATOR.getByName('config')

/** Sets the coordinator's clock (its `now`), so bake times pass without waiting. */
export const setCoordinatorClock = (ms: number) =>
  runInDurableObject(coordinatorStub(), (instance) => {
    ;(instance as ConfigCoordinator).now = () => ms
  })

/** Fires the coordinator's alarm now (false when none was set). */
export const judgeNow = () => runDurableObjectAlarm(coordinatorStub())

const ADMIN = { authorization: 'Bearer test-admin-token' }

/** An admin call through the gateway. */
export async function admin(gw: TestGateway, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await gw.fetchAndSettle(`/__legate${path}`, {
    method,
    headers: { ...ADMIN, ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  })
  return { status: res.status, body: (await res.json()) as any }
}

/** Ends whatever rollout a previous test left running (the coordinator is shared within a file). */
export async function endAnyRollout(gw: TestGateway) {
  const s = await admin(gw, 'GET', '/rollout')
  if (s.body.pointer?.rollout) await admin(gw, 'POST', '/rollout/abort', { reason: 'test cleanup' })
}

/** `n` requests from `n` different clients; returns the served versions and statuses. */
export async function traffic(gw: TestGateway, path: string, n: number, init: RequestInit = {}, from = 0) {
  const out: { version: number; status: number }[] = []
  for (let i = from; i < from + n; i++) {
    const headers = new Headers(init.headers)
    headers.set('cf-connecting-ip', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)
    const res = await gw.fetch(path, { ...init, headers })
    await res.arrayBuffer()
    out.push({ version: Number(res.headers.get('x-legate-config-version')), status: res.status })
  }
  return out
}

/** Sends this isolate's stats to the Stats shards (what the flush interval does in production). */
export const flushStats = (gw: TestGateway) => gw.gateway.flusher.flush(testEnv, DEFAULT_OBSERVABILITY.stats)
