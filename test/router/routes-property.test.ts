import { describe, expect, it } from 'vitest'
import type { RouteMatch } from '../../src/config/schema.ts'
import { createRouteTable, type MatchInput } from '../../src/router/routes.ts'
import { createRng, rm } from './_helpers.ts'
import { createNaiveMatcher } from './_naive.ts'

type Rng = ReturnType<typeof createRng>
const SEGMENTS = ['a', 'b', 'A', 'ab', 'aB', 'v1', 'x', 'users', 'Users', '42']

function randomPath(rng: Rng, maxSegments = 4): string {
  const n = 1 + rng.int(maxSegments)
  let p = ''
  for (let i = 0; i < n; i++) p += `/${rng.pick(SEGMENTS)}`
  return rng.int(5) === 0 ? `${p}/` : p
}

function randomRegex(rng: Rng): string {
  const p = randomPath(rng, 3)
  const q = randomPath(rng, 2)
  const cut = 1 + rng.int(p.length - 1)
  const forms = [
    () => `${p}.*`,
    () => `${p}[^/]+`,
    () => `${p}(/.*)?`,
    () => `^${p}/?`,
    () => `${p.slice(0, cut)}b?${p.slice(cut)}`,
    () => `${p.slice(0, cut)}x{0,2}${p.slice(cut)}.*`,
    () => `(${p}|${q})(/.*)?`,
    () => `${p}|${q}/.*`,
    () => `${p.replace(/\//g, '\\/')}\\d*`,
    () => `[aA]${p}`,
    () => `/[aA]b.*`,
    () => `${p}`,
  ]
  return rng.pick(forms)()
}

function randomTemplate(rng: Rng): string {
  const n = 1 + rng.int(3)
  let t = ''
  for (let i = 0; i < n; i++) t += `/${rng.pick([...SEGMENTS, '*', `{v${i}}`, `{w${i}=*}`])}`
  const tail = rng.int(4)
  if (tail === 0) t += '/**'
  else if (tail === 1) t += '/{rest=**}'
  return t
}

function randomRoute(rng: Rng): RouteMatch {
  const m: Record<string, unknown> = {}
  const kind = rng.int(5)
  if (kind === 0) m.exact = randomPath(rng)
  else if (kind === 1) {
    const p = randomPath(rng)
    m.prefix = rng.int(8) === 0 ? '' : p.slice(0, 1 + rng.int(p.length))
  } else if (kind === 2) m.segment_prefix = randomPath(rng).replace(/\/$/, '')
  else if (kind === 3) m.regex = randomRegex(rng)
  else m.template = randomTemplate(rng)
  if (rng.int(3) === 0) m.case_sensitive = false
  if (rng.int(4) === 0) m.methods = [rng.pick(['GET', 'POST'])]
  if (rng.int(5) === 0) m.headers = [{ name: 'X-H', exact: 'h1' }]
  if (rng.int(8) === 0) m.query_parameters = [{ name: 'q', present: rng.int(2) === 0 }]
  if (rng.int(8) === 0) m.cookies = [{ name: 'c', exact: '1', invert: rng.int(2) === 0 }]
  return rm(m)
}

function randomInput(rng: Rng): MatchInput {
  let path = randomPath(rng, 5)
  if (rng.int(6) === 0) path = path.toUpperCase()
  const headers = new Headers()
  if (rng.int(3) === 0) headers.set('x-h', 'h1')
  if (rng.int(3) === 0) headers.set('cookie', `c=${rng.int(2)}`)
  return { path, method: rng.pick(['GET', 'POST']), headers, search: rng.pick(['', '?q', '?q=1&r', '?r=1']) }
}

describe('createRouteTable matches a naive linear scan', () => {
  it('on 60 random tables x 400 random requests (seeded)', () => {
    const rng = createRng(0x1e6a7e)
    let hits = 0
    let compared = 0
    for (let t = 0; t < 60; t++) {
      const routes = Array.from({ length: 5 + rng.int(300) }, () => randomRoute(rng))
      const table = createRouteTable(routes)
      const naive = createNaiveMatcher(routes)
      for (let r = 0; r < 400; r++) {
        const input = randomInput(rng)
        const want = naive(input)
        const got = table.match(input)
        if (JSON.stringify(got) !== JSON.stringify(want))
          expect({ table: t, input: { ...input, headers: [...(input.headers as Headers)] }, got }).toEqual({
            table: t,
            input: { ...input, headers: [...(input.headers as Headers)] },
            got: want,
          })
        compared++
        if (want) hits++
      }
    }
    expect(compared).toBe(24_000)
    // The generator must exercise both outcomes, or the comparison proves little.
    expect(hits).toBeGreaterThan(compared / 3)
    expect(hits).toBeLessThan(compared)
  }, 30_000)
})
