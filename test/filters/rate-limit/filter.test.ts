import { beforeAll, describe, expect, it } from 'vitest'
import { expectProblem } from '../_context.ts'
import { byIp, counter, isolate, limitsConfig as cfg, parseSfList, retryAfterSeconds, T0, warmUp } from './_helpers.ts'

beforeAll(warmUp, 60_000)

const MIN = 60_000

describe('rate_limit, exact mode', () => {
  it('admits the limit, then answers 429 ERR_RATE_LIMITED with flag RL and the IETF headers', async () => {
    const iso = isolate(cfg('exact-basic', [byIp('per-ip', 3)]))
    const sent = []
    for (let i = 0; i < 4; i++) sent.push(await iso.send({ startedAt: T0 + 15_000 + i }))
    expect(sent.map((s) => s.admitted)).toEqual([true, true, true, false])

    const ok = sent[1]!.response
    expect(parseSfList(ok.headers.get('ratelimit-policy'))).toEqual([{ name: 'per-ip', params: { q: 3, w: 60 } }])
    expect(parseSfList(ok.headers.get('ratelimit'))).toEqual([{ name: 'per-ip', params: { r: 1, t: 45 } }])
    expect(ok.headers.get('retry-after')).toBeNull()

    const refused = sent[3]!
    const body = await expectProblem(refused.response, { status: 429, code: 'ERR_RATE_LIMITED', flag: 'RL' })
    expect(body.limits).toEqual(['per-ip'])
    expect([...refused.rc.flags]).toEqual(['RL'])
    const [state] = parseSfList(refused.response.headers.get('ratelimit'))
    expect(state).toMatchObject({ name: 'per-ip', params: { r: 0 } })
    // The 3 count in full until the window ends at T0 + 60 s, then fade: one more fits at T0 + 80 s, 65 s from now.
    expect(state!.params.t).toBe(65)
    expect(retryAfterSeconds(refused.response)).toBeGreaterThanOrEqual(state!.params.t!)
    expect(counter(iso, 'ok')).toBe(3)
    expect(counter(iso, 'over_limit')).toBe(1)
    expect(counter(iso, 'do_calls')).toBe(4)
  })

  it('admits exactly L of N concurrent requests through the real object', async () => {
    const iso = isolate(cfg('exact-concurrent', [byIp('burst', 15)]))
    const sent = await Promise.all(Array.from({ length: 40 }, () => iso.send()))
    expect(sent.filter((s) => s.admitted)).toHaveLength(15)
    expect(counter(iso, 'over_limit')).toBe(25)
    expect(counter(iso, 'do_calls')).toBe(40)
  })

  it('a refused request does not use up the other limits (minute 3, hour 5: after the 4th, the hour has 2 left)', async () => {
    // Kong's rate-limiting spec (security.md §5.1): the refused 4th request is given back to the hour limit.
    const iso = isolate(cfg('exact-refund', [byIp('minute', 3), byIp('hour', 5, { sliding_window: { requests_per_unit: 5, unit: 'hour' } })]))
    for (let i = 0; i < 3; i++) expect((await iso.send({ startedAt: T0 + i })).admitted).toBe(true)
    const fourth = await iso.send({ startedAt: T0 + 3 })
    expect(fourth.admitted).toBe(false)
    expect(fourth.rc.state.rate_limit).toMatchObject({ decisions: [{ name: 'minute', kind: 'over' }, { name: 'hour', kind: 'ok' }] })
    await iso.settle()
    const later = await iso.send({ startedAt: T0 + 2 * MIN })
    expect(later.admitted).toBe(true)
    const hour = parseSfList(later.response.headers.get('ratelimit')).find((i) => i.name === 'hour')
    expect(hour?.params.r).toBe(1)
  })

  it('keys by descriptor: other clients have their own buckets; a /24 mask shares one', async () => {
    const iso = isolate(cfg('exact-keys', [byIp('per-net', 1, { actions: [{ masked_remote_address: { v4_prefix_mask_len: 24 } }] })]))
    expect((await iso.send({ clientAddress: '192.0.2.10' })).admitted).toBe(true)
    expect((await iso.send({ clientAddress: '192.0.2.200' })).admitted).toBe(false)
    expect((await iso.send({ clientAddress: '198.51.100.1' })).admitted).toBe(true)
  })

  it('skips a limit whose action finds nothing (Envoy), unless skip_if_absent omits just that entry', async () => {
    const header = (skip: boolean) => byIp(skip ? 'omit' : 'skip', 1, { actions: [{ request_headers: { header_name: 'x-tenant', skip_if_absent: skip } }] })
    const skip = isolate(cfg('skip-absent', [header(false)]))
    for (let i = 0; i < 3; i++) expect((await skip.send()).admitted).toBe(true)
    expect(counter(skip, 'do_calls')).toBe(0)
    expect((await skip.send({ headers: { 'x-tenant': 'a' } })).admitted).toBe(true)
    expect((await skip.send({ headers: { 'x-tenant': 'a' } })).admitted).toBe(false)

    const omit = isolate(cfg('omit-absent', [header(true)]))
    expect((await omit.send()).admitted).toBe(true)
    expect((await omit.send()).admitted).toBe(false)
  })

  it('keys by consumer and JWT claim from rc.identity (set by the auth filters before it)', async () => {
    const iso = isolate(
      cfg('identity', [
        byIp('per-consumer', 1, { actions: [{ api_key_consumer: {} }] }),
        byIp('per-org', 2, { actions: [{ jwt_claim: { provider: 'auth0', claim: 'org.id' } }] }),
      ])
    )
    const alice = { consumer: 'alice' }
    expect((await iso.send({ identity: alice })).admitted).toBe(true)
    expect((await iso.send({ identity: alice })).admitted).toBe(false)
    expect((await iso.send({ identity: { consumer: 'bob' } })).admitted).toBe(true)
    const org = (id: unknown) => ({ claims: { auth0: { org: { id } } } })
    expect((await iso.send({ identity: org(7) })).admitted).toBe(true)
    expect((await iso.send({ identity: org(7) })).admitted).toBe(true)
    expect((await iso.send({ identity: org(7) })).admitted).toBe(false)
    expect((await iso.send({ identity: org('7x') })).admitted).toBe(true)
    // Neither identity: both limits are skipped.
    expect((await iso.send()).rc.state.rate_limit).toBeUndefined()
  })
})

describe('rate_limit, shadow mode', () => {
  it('counts shadow_over_limit but admits, raises no flag and advertises no shadow policy', async () => {
    const iso = isolate(cfg('shadow', [byIp('enforced', 10), byIp('trial', 1, { shadow_mode: true })]))
    await iso.send()
    const second = await iso.send()
    expect(second.admitted).toBe(true)
    expect(second.rc.flags.size).toBe(0)
    expect(counter(iso, 'shadow_over_limit')).toBe(1)
    expect(counter(iso, 'ok')).toBe(2)
    expect(parseSfList(second.response.headers.get('ratelimit-policy')).map((i) => i.name)).toEqual(['enforced'])
  })

  it('filter-level shadow_mode shadows every limit', async () => {
    const iso = isolate(cfg('shadow-all', [byIp('a', 1)], { shadow_mode: true }))
    for (let i = 0; i < 3; i++) expect((await iso.send()).admitted).toBe(true)
    expect(counter(iso, 'shadow_over_limit')).toBe(2)
  })
})

describe('rate_limit, headers', () => {
  it('on_limit: no headers on admitted responses; off: only Retry-After on a refusal', async () => {
    const onLimit = isolate(cfg('hdr-on-limit', [byIp('a', 1)], { ratelimit_headers: 'on_limit' }))
    const first = await onLimit.send()
    expect(first.response.headers.get('ratelimit')).toBeNull()
    expect(parseSfList((await onLimit.send()).response.headers.get('ratelimit'))[0]).toMatchObject({ params: { r: 0 } })

    const off = isolate(cfg('hdr-off', [byIp('a', 1)], { ratelimit_headers: 'off' }))
    await off.send()
    const refused = await off.send()
    expect(refused.response.status).toBe(429)
    expect(refused.response.headers.get('ratelimit')).toBeNull()
    expect(refused.response.headers.get('ratelimit-policy')).toBeNull()
    expect(retryAfterSeconds(refused.response)).toBeGreaterThan(0)
  })

  it('advertises a token bucket as its burst over the time to refill it, one list item per limit', async () => {
    const iso = isolate(
      cfg('hdr-bucket', [
        { name: 'burst', actions: [{ generic_key: { descriptor_value: 'all' } }], token_bucket: { max_tokens: 10, tokens_per_fill: 2, fill_interval: '1s' }, mode: 'exact' },
        byIp('per-ip', 100),
      ])
    )
    const res = (await iso.send({ startedAt: T0 + 300 })).response
    expect(parseSfList(res.headers.get('ratelimit-policy'))).toEqual([
      { name: 'burst', params: { q: 10, w: 5 } },
      { name: 'per-ip', params: { q: 100, w: 60 } },
    ])
    expect(parseSfList(res.headers.get('ratelimit'))).toEqual([
      { name: 'burst', params: { r: 9, t: 1 } },
      { name: 'per-ip', params: { r: 99, t: 60 } },
    ])
  })

  it('keeps the upstream rate limit headers and appends its own (never more permissive)', async () => {
    const iso = isolate(cfg('hdr-append', [byIp('gw', 5)]))
    const rc = await iso.send()
    const upstream = new Response('x', { headers: { 'ratelimit-policy': '"origin";q=1;w=1', ratelimit: '"origin";r=0;t=1' } })
    const out = (await iso.filter.onResponse!(rc.rc, upstream)) ?? upstream
    expect(parseSfList(out.headers.get('ratelimit-policy')).map((i) => i.name)).toEqual(['origin', 'gw'])
    expect(parseSfList(out.headers.get('ratelimit')).map((i) => i.name)).toEqual(['origin', 'gw'])
  })
})
