/**
 * @module Seeded mutations of a route table for the property-based validation test: each run picks 1-3 paths of
 * the table and breaks them (wrong types, deletions, dangling names, hostile numbers, strings, regexes and URLs,
 * deep nesting, unknown keys, duplicates, values moved from elsewhere in the table).
 */
import fc from 'fast-check'

export type Path = (string | number)[]
type Container = Record<string, unknown> | unknown[]

const MB = 'a'.repeat(1 << 20)

/** The endpoint URLs that made validation throw (issue 12), and their neighbours. */
export const BAD_URLS = [
  'http://1.2.3.4.5',
  'http://127.0.0.1:99999',
  'https://xn--',
  'http://',
  'http://[::1',
  'http://a b',
  '//h',
  'http://\u0000h',
  `http://${MB}`,
  'http://h/path',
  'http://u:p@h',
  'http://h?q=1',
  'http://h#f',
  'ftp://h',
  ' http://h ',
  '\u00a0http://h',
  'http://h\t:80',
  'http://%zz',
  'http://💥.example',
  'http://[::1]:8080',
  'javascript:alert(1)',
  'http:h',
]
const BAD_DURATIONS = ['1', '-1s', '1.5.5s', '1e3s', '99999999999999999999999h', '1 s', '0s', '0ms', '.5s', '5S', 'NaNs', '1ms', '24h']
/** RE2 refuses the first three; JavaScript refuses the others, or accepts them and RE2 does not. */
const BAD_REGEXES = ['(a', '(?=x)', '(a)\\1', '[', '*', '(?<n>a)\\k<n>', 'a{99999}', '(a+)+', '\\', '(?i)a', '\\p{L}', '[z-a]', '(?<=a)b', '('.repeat(50_000)]
const NAMES = ['nope', 'users', 'idp', 'local', 'hmac', 'authz', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']
const TEXT = [
  '',
  ' ',
  '*',
  '*.*',
  '/',
  '%',
  '%%',
  '%REQ(',
  '%REQ(host)%',
  '%UNKNOWN%',
  '\u0000',
  '\r\n',
  '\t',
  '\u202e',
  '💥',
  '\ud800',
  'é',
  '\u2028',
  '\u007f',
  'a\u0000b',
  'x'.repeat(257),
  MB,
  `/${MB}`,
]
const NUMBERS = [0, -1, 1, 1.5, -0, 1e21, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN, 65_536, 99_999, 2 ** 32, 101, 600]
const OTHER = [null, undefined, true, false, [], {}, [null], { '': 1 }, ['x'], new Array(5_000).fill('x')]

/** Values that replace whatever is at the path. */
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<unknown>(...BAD_URLS, ...BAD_DURATIONS, ...BAD_REGEXES, ...NAMES, ...TEXT, ...NUMBERS, ...OTHER) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.integer({ min: -1e6, max: 1e6 })) }
)

/** Changes that keep the value's type but push it somewhere odd. */
const STRING_TWEAKS: ((s: string) => string)[] = [
  (s) => `${s}\u0000`,
  (s) => `${s}\n`,
  (s) => ` ${s}`,
  (s) => `${s}💥`,
  (s) => `${s}\ud800`,
  (s) => s.toUpperCase(),
  (s) => `${s}(`,
  (s) => `${s}/`,
  (s) => `${s}%`,
  (s) => `${s}x`,
  (s) => s.slice(0, -1),
  (s) => s.repeat(300),
]
const NUMBER_TWEAKS: ((n: number) => number)[] = [(n) => -n, (n) => n + 0.5, (n) => n * 1e12, (n) => n - 1, (n) => n + 1, (n) => n * 1000]

export type Mutation =
  | { op: 'set'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'nest'; at: number; depth: number; form: NestForm }
  | { op: 'unknown-key'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'tweak'; at: number; k: number }
  | { op: 'move'; at: number; from: number }

/** 1-3 mutations at indices into `paths`. */
export function mutationsOf(pathCount: number): fc.Arbitrary<Mutation[]> {
  const at = fc.nat({ max: pathCount - 1 })
  const one: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), at, value: badValue }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), at }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), at, depth: fc.constantFrom(3, 20, 40, 70, 10_000), form: fc.constantFrom<NestForm>('array', 'object', 'requires') }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('unknown-key' as const), at }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('tweak' as const), at, k: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('move' as const), at, from: fc.nat({ max: pathCount - 1 }) }) }
  )
  return fc.array(one, { minLength: 1, maxLength: 3 })
}

/** Every path in a value, parents before children (the root excluded). */
export function pathsOf(value: unknown, base: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return []
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value)
  return entries.flatMap(([k, v]) => [[...base, k], ...pathsOf(v, [...base, k])])
}

function parentOf(root: unknown, path: Path): Container | undefined {
  let node = root
  for (const k of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<string | number, unknown>)[k]
  }
  return typeof node === 'object' && node !== null ? (node as Container) : undefined
}

type NestForm = 'array' | 'object' | 'requires'
/** `requires` builds a jwt_authn requirement tree, the one recursive schema. */
function nested(depth: number, form: NestForm, leaf: unknown): unknown {
  let v = leaf
  for (let i = 0; i < depth; i++) v = form === 'array' ? [v] : form === 'object' ? { providers: v } : { requires_all: [v, { allow_missing: true }] }
  return v
}

/** A copy, or the value itself (a shared reference, as a YAML alias gives) when too deep to copy. */
function clone(v: unknown): unknown {
  try {
    return structuredClone(v)
  } catch {
    return v
  }
}

/** Applies the mutations in place; a path that an earlier mutation removed is skipped. */
export function applyMutations(table: Record<string, unknown>, paths: readonly Path[], mutations: readonly Mutation[]): void {
  for (const m of mutations) {
    const path = paths[m.at]!
    const parent = parentOf(table, path)
    if (!parent) continue
    const key = path[path.length - 1]!
    const get = () => (parent as Record<string | number, unknown>)[key]
    const set = (v: unknown) => ((parent as Record<string | number, unknown>)[key] = v)
    const current = get()
    switch (m.op) {
      case 'set':
        set(m.value)
        break
      case 'delete':
        if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1)
        else delete (parent as Record<string, unknown>)[key]
        break
      case 'nest':
        set(nested(m.depth, m.form, current))
        break
      case 'unknown-key':
        if (typeof current === 'object' && current !== null && !Array.isArray(current)) (current as Record<string, unknown>).surprise = 1
        else set({ surprise: current })
        break
      case 'duplicate':
        if (Array.isArray(parent)) parent.push(clone(current))
        else set([current, clone(current)])
        break
      case 'tweak':
        if (typeof current === 'string') set(STRING_TWEAKS[m.k % STRING_TWEAKS.length]!(current))
        else if (typeof current === 'number') set(NUMBER_TWEAKS[m.k % NUMBER_TWEAKS.length]!(current))
        else if (typeof current === 'boolean') set(m.k % 2 ? !current : String(current))
        else if (Array.isArray(current)) set(m.k % 2 ? [] : current.slice(1))
        else set(m.k % 2 ? {} : null)
        break
      case 'move': {
        const from = paths[m.from]!
        const source = parentOf(table, from)
        if (source) set(clone((source as Record<string | number, unknown>)[from[from.length - 1]!]))
        break
      }
    }
  }
}
