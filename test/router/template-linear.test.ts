// URI templates run in V8 only when parseTemplate proves backtracking linear; the rest run in RE2. Both engines
// must agree, and a template classed linear must stay fast on adversarial paths.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileCaptures } from '../../src/lib/safe-regex.ts'
import { parseTemplate } from '../../src/router/template.ts'
import { createRouteTable } from '../../src/router/routes.ts'
import { req, rm } from './_helpers.ts'

describe('ParsedTemplate.linear', () => {
  const cases: [string, boolean][] = [
    ['/users/{id}', true],
    ['/users/{id}/orders/{order}', true],
    ['/videos/{id}/{file=**}', true],
    ['/v/{path=a/*}/x', true],
    ['/*/*/*', true],
    ['/files/*.json', true], // one operator per segment: `[^/]+\.json$`
    ['/**/x.txt', true], // `.*` is last and only literals follow it
    ['/*-*', false], // two operators in one segment: ambiguous split
    ['/t/*-*-*-*-*-*-*-*/x', false],
    ['/{a}{b}', false],
    ['/{a}-{b}/x', false],
    ['/a*b**', false],
  ]
  it.each(cases)('%j: %s', (template, linear) => {
    const t = parseTemplate(template)
    expect(t.error).toBeUndefined()
    expect(t.linear).toBe(linear)
  })

  it('a non-linear template on a 10,000-character miss answers in milliseconds (RE2)', () => {
    const table = createRouteTable([rm({ template: '/t/*-*-*-*-*-*-*-*/x' }), rm({ prefix: '/' })])
    const t0 = performance.now()
    expect(table.match(req(`/t/${'-'.repeat(10_000)}a/y`))?.index).toBe(1)
    expect(table.match(req('/t/a-b-c-d-e-f-g-h/x'))?.index).toBe(0)
    expect(performance.now() - t0).toBeLessThan(500)
  })
})

// Templates and paths over a small alphabet, so that literals, `-`, `.` and `/` collide often.
const piece = fc.constantFrom('*', '**', '{a}', '{b=*}', '{c=**}', '{d=x/*}', '/', '/', 'x', '-', '.', 'ab')
const template = fc.array(piece, { minLength: 1, maxLength: 7 }).map((ps) => `/${ps.join('')}`)
const path = fc.array(fc.constantFrom('/', 'x', '-', '.', 'ab', 'a', 'b'), { maxLength: 14 }).map((ps) => `/${ps.join('')}`)

describe('template engines agree', () => {
  it('V8 (linear templates) and RE2 return the same captures on seeded random templates and paths', () => {
    fc.assert(
      fc.property(template, fc.array(path, { minLength: 1, maxLength: 8 }), fc.boolean(), (tpl, paths, ci) => {
        const t = parseTemplate(tpl)
        if (t.error) return
        const v8 = new RegExp(t.source, ci ? 'i' : '')
        const re2 = compileCaptures(t.source, { ignoreCase: ci })
        for (const p of paths) expect(re2(p), `${tpl} on ${p}`).toEqual(v8.exec(p)?.map((g) => g ?? '') ?? undefined)
      }),
      { seed: 12, numRuns: 400 },
    )
  })

  it('templates classed linear stay fast in V8 on adversarial 10,000-character paths', () => {
    const adversarial = [`/${'-'.repeat(10_000)}!`, `/${'x-'.repeat(5_000)}/`, `/${'ab/'.repeat(3_000)}z`, `/${'.'.repeat(10_000)}`]
    let worst = 0
    fc.assert(
      fc.property(template, (tpl) => {
        const t = parseTemplate(tpl)
        if (t.error || !t.linear) return
        const re = new RegExp(t.source)
        const t0 = performance.now()
        for (const p of adversarial) re.exec(p)
        worst = Math.max(worst, performance.now() - t0)
      }),
      { seed: 7, numRuns: 300 },
    )
    expect(worst).toBeLessThan(200)
  })
})
