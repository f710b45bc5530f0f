import { describe, expect, it } from 'vitest'
import { createTrie, trieCollect, trieInsert } from '../../src/router/_prefix-trie.ts'
import { createRng } from './_helpers.ts'

const collect = (root: ReturnType<typeof createTrie>, s: string) => {
  const out: number[][] = []
  trieCollect(root, s, out)
  return out.flat()
}

describe('prefix trie', () => {
  it('yields every key that prefixes the input, shortest first, splitting edges as keys arrive', () => {
    const root = createTrie()
    const keys = ['/api/users', '/api/', '', '/api/users', '/apx', '/api/u', '/b']
    keys.forEach((k, i) => trieInsert(root, k, i))
    expect(collect(root, '/api/users/1')).toEqual([2, 1, 5, 0, 3])
    expect(collect(root, '/api/u')).toEqual([2, 1, 5])
    expect(collect(root, '/api')).toEqual([2])
    expect(collect(root, '/apx')).toEqual([2, 4])
    expect(collect(root, '/c')).toEqual([2])
    expect(collect(root, '')).toEqual([2])
  })

  it('agrees with a brute-force startsWith scan on seeded random keys', () => {
    const rng = createRng(7)
    const word = (n: number) => Array.from({ length: rng.int(n) }, () => rng.pick(['/', 'a', 'b', 'ab'])).join('')
    for (let t = 0; t < 50; t++) {
      const keys = Array.from({ length: 1 + rng.int(60) }, () => word(6))
      const root = createTrie()
      keys.forEach((k, i) => trieInsert(root, k, i))
      for (let q = 0; q < 100; q++) {
        const s = word(9)
        const want = keys.map((k, i) => [k, i] as const).filter(([k]) => s.startsWith(k))
        want.sort((a, b) => a[0].length - b[0].length || a[1] - b[1])
        expect(collect(root, s)).toEqual(want.map(([, i]) => i))
      }
    }
  })
})
