// Tests for src/lib/header-mutation.ts (kept under test/filters/ for file ownership; belongs in test/lib/).
import { describe, expect, it } from 'vitest'
import { headerValueOption } from '../../../src/config/primitives.ts'
import {
  checkHeaderValueFormat,
  compileHeaderMutations,
  compileHeaderOps,
  compileHeaderValue,
  EMPTY_MUTATION,
  type MutationVars,
} from '../../../src/lib/header-mutation.ts'
import { STARTED_AT } from '../_context.ts'

const vars = (requestHeaders: HeadersInit = {}): MutationVars => ({
  requestHeaders: new Headers(requestHeaders),
  clientAddress: '203.0.113.7',
  requestId: 'req-1',
  routeName: 'api/0',
  startedAt: STARTED_AT,
})
const opt = (key: string, value: string, extra: Record<string, unknown> = {}) =>
  headerValueOption.parse({ header: { key, value }, ...extra })
const render = (value: string, v = vars()) => {
  const c = compileHeaderValue(value)
  return typeof c === 'string' ? c : c(v)
}

describe('header value formatter', () => {
  it.each([
    ['plain', 'plain'],
    ['%REQ(X-Tenant)%', 'acme'],
    ['%REQ(x-missing)%', ''],
    ['ip=%DOWNSTREAM_REMOTE_ADDRESS%', 'ip=203.0.113.7'],
    ['%REQUEST_ID%/%ROUTE_NAME%', 'req-1/api/0'],
    ['%START_TIME%', '2026-11-26T12:00:00.000Z'],
    ['100%%', '100%'],
    ['%%REQUEST_ID%%', '%REQUEST_ID%'],
    ['a%REQ(x-tenant)%%%b', 'aacme%b'],
  ])('renders %j as %j', (value, want) => {
    expect(render(value, vars({ 'x-tenant': 'acme' }))).toBe(want)
  })

  it('compiles operator-free values to a constant string, once', () => {
    expect(compileHeaderValue('a %% b')).toBe('a % b')
    expect(typeof compileHeaderValue('%REQUEST_ID%')).toBe('function')
  })

  it.each([
    ['50%', 'lone "%"'],
    ['%NOPE%', 'unknown operator "%NOPE%"'],
    ['%REQ()%', 'unknown operator'],
    ['%REQ(a b)%', 'unknown operator'],
    ['%req(x)%', 'unknown operator'],
  ])('rejects %j (%s)', (value, message) => {
    expect(checkHeaderValueFormat(value)).toContain(message)
    expect(() => compileHeaderValue(value)).toThrow(message)
  })
})

describe('compileHeaderMutations', () => {
  const apply = (levels: Parameters<typeof compileHeaderMutations>[0], init: HeadersInit, v = vars()) => {
    const h = new Headers(init)
    compileHeaderMutations(levels)(h, v)
    return h
  }

  it.each([
    ['append_if_exists_or_add', { x: 'a' }, 'a, b'],
    ['append_if_exists_or_add', {}, 'b'],
    ['add_if_absent', { x: 'a' }, 'a'],
    ['add_if_absent', {}, 'b'],
    ['overwrite_if_exists_or_add', { x: 'a' }, 'b'],
    ['overwrite_if_exists_or_add', {}, 'b'],
    ['overwrite_if_exists', { x: 'a' }, 'b'],
    ['overwrite_if_exists', {}, null],
  ])('%s on %j gives %j', (action, init, want) => {
    const h = apply([{ add: [opt('X', 'b', { append_action: action })], remove: [] }], init)
    expect(h.get('x')).toBe(want)
  })

  it('defaults to append_if_exists_or_add and keeps repeated set-cookie values apart', () => {
    const h = apply([{ add: [opt('set-cookie', 'b=2')], remove: [] }], [['set-cookie', 'a=1']])
    expect([...h].filter(([k]) => k === 'set-cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2'])
  })

  it('removes before it adds within a level, and applies levels in the given order', () => {
    const route = { add: [opt('x', 'route')], remove: ['X'] }
    const vhost = { add: [opt('x', 'vhost', { append_action: 'overwrite_if_exists_or_add' })], remove: ['y'] }
    expect(apply([route, vhost], { x: 'client', y: '1' }).get('x')).toBe('vhost')
    const h = apply([vhost, route], { x: 'client', y: '1' })
    expect(h.get('x')).toBe('route')
    expect(h.has('y')).toBe(false)
  })

  it('skips values that render empty unless keep_empty_value', () => {
    const levels = [{ add: [opt('a', '%REQ(missing)%'), opt('b', ''), opt('c', '', { keep_empty_value: true })], remove: [] }]
    const h = apply(levels, {})
    expect([h.has('a'), h.has('b'), h.get('c')]).toEqual([false, false, ''])
  })

  it('never emits a value that contains CR, LF or NUL after substitution', () => {
    const evil: MutationVars = { ...vars(), routeName: 'a\r\nx-injected: 1' }
    const h = apply([{ add: [opt('x-route', '%ROUTE_NAME%'), opt('x-ok', 'fine')], remove: [] }], {}, evil)
    expect(h.has('x-route')).toBe(false)
    expect(h.has('x-injected')).toBe(false)
    expect(h.get('x-ok')).toBe('fine')
  })

  it('reads %REQ()% from the request headers it is given, not from the headers it edits', () => {
    const h = apply([{ add: [opt('x-echo', '%REQ(x-in)%')], remove: [] }], { 'x-in': 'edited' }, vars({ 'x-in': 'client' }))
    expect(h.get('x-echo')).toBe('client')
  })

  it('returns EMPTY_MUTATION when there is nothing to apply', () => {
    expect(compileHeaderMutations([])).toBe(EMPTY_MUTATION)
    expect(compileHeaderMutations([{ add: [opt('x', '')], remove: [] }])).toBe(EMPTY_MUTATION)
    expect(compileHeaderOps([{ remove: 'x' }])).not.toBe(EMPTY_MUTATION)
  })

  it('throws at compile time on formatter errors', () => {
    // The schema refuses such values first (see test/config/validate.test.ts); compile is the backstop.
    const raw = { header: { key: 'x', value: '5%' }, append_action: 'append_if_exists_or_add', keep_empty_value: false } as const
    expect(() => compileHeaderMutations([{ add: [raw], remove: [] }])).toThrow('lone "%"')
  })
})
