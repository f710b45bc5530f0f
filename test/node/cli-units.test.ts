import { LineCounter, parseDocument } from 'yaml'
import { describe, expect, it } from 'vitest'
import { diffFlat, flatten } from '../../src/cli/flatten.ts'
import { formatPath, lineOf, parsePath } from '../../src/cli/locate.ts'

describe('issue paths', () => {
  it.each([
    ['virtual_hosts[0].routes[3].forward.cluster', ['virtual_hosts', 0, 'routes', 3, 'forward', 'cluster']],
    ['clusters[12]', ['clusters', 12]],
    ['gateway', ['gateway']],
    ['', []],
  ])('parses %j and formats it back', (path, segments) => {
    expect(parsePath(path)).toEqual(segments)
    expect(formatPath(segments)).toBe(path)
  })

  const text = `virtual_hosts:
  - name: a
    routes:
      - match: { prefix: / }
        direct_response:
          status: 200
          headers:
            x.dotted: "1"
`
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines })
  it.each([
    ['virtual_hosts[0].name', 2],
    ['virtual_hosts[0].routes[0].match.prefix', 4],
    ['virtual_hosts[0].routes[0].direct_response', 5],
    ['virtual_hosts[0].routes[0].direct_response.headers.x.dotted', 8],
    ['virtual_hosts[0].routes[0].forward.cluster', 4],
    ['virtual_hosts[0].routes[7]', 3],
  ])('puts %s on line %i (a missing node points at its nearest parent)', (path, line) => {
    expect(lineOf(doc, lines, parsePath(path))).toBe(line)
  })
})

describe('flattened diff', () => {
  it('keys named lists by name, so inserting an item does not shift the others', () => {
    const from = { clusters: [{ name: 'a', lb_policy: 'random' }, { name: 'b' }], domains: ['x'] }
    const to = { clusters: [{ name: 'new' }, { name: 'a', lb_policy: 'round_robin' }, { name: 'b' }], domains: [] }
    expect(diffFlat(flatten(from), flatten(to))).toEqual({
      added: [['clusters["new"].name', '"new"'], ['domains', '[]']],
      removed: [['domains[0]', '"x"']],
      changed: [['clusters["a"].lb_policy', '"random"', '"round_robin"']],
    })
  })
})
