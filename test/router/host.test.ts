import { describe, expect, it } from 'vitest'
import { createHostMatcher, stripPort } from '../../src/router/host.ts'

const entries = [
  { domains: ['www.foo.com', 'API.Foo.com'], value: 'exact' },
  { domains: ['*.foo.com'], value: 'suffix-short' },
  { domains: ['*.api.foo.com', '*-bar.foo.com'], value: 'suffix-long' },
  { domains: ['foo.*'], value: 'prefix-short' },
  { domains: ['foo.bar.*'], value: 'prefix-long' },
  { domains: ['*'], value: 'any' },
]

describe('createHostMatcher', () => {
  const match = createHostMatcher(entries, { ignorePort: true })
  const cases: [string, string | undefined][] = [
    // 1. exact beats every wildcard
    ['www.foo.com', 'exact'],
    ['api.foo.com', 'exact'],
    // 2. suffix wildcards, longest first
    ['a.foo.com', 'suffix-short'],
    ['x.api.foo.com', 'suffix-long'],
    ['a.b.api.foo.com', 'suffix-long'],
    ['baz-bar.foo.com', 'suffix-long'],
    // a wildcard never matches the empty string
    ['-bar.foo.com', 'suffix-short'],
    ['.api.foo.com', 'suffix-short'],
    ['foo.com', 'prefix-short'],
    // 3. prefix wildcards, after suffix wildcards, longest first
    ['foo.org', 'prefix-short'],
    ['foo.bar.org', 'prefix-long'],
    ['foo.bar.', 'prefix-short'],
    ['foo.', 'any'],
    // suffix beats prefix
    ['foo.x.foo.com', 'suffix-short'],
    // 4. catch-all
    ['example.org', 'any'],
    ['', 'any'],
    // case-insensitive
    ['WWW.FOO.COM', 'exact'],
    ['X.Api.FOO.com', 'suffix-long'],
    ['FOO.BAR.x', 'prefix-long'],
    // ports are ignored
    ['www.foo.com:8787', 'exact'],
    ['a.foo.com:443', 'suffix-short'],
    ['foo.bar.x:1', 'prefix-long'],
  ]
  it.each(cases)('%j selects %s', (host, want) => {
    expect(match(host)).toBe(want)
  })

  it('matches the port when ignorePort is false', () => {
    const m = createHostMatcher(
      [
        { domains: ['example.com'], value: 'plain' },
        { domains: ['example.com:8787'], value: 'with-port' },
        { domains: ['*.example.com'], value: 'wild' },
      ],
      { ignorePort: false }
    )
    expect(m('example.com')).toBe('plain')
    expect(m('example.com:8787')).toBe('with-port')
    expect(m('example.com:9999')).toBeUndefined()
    expect(m('a.example.com:9999')).toBeUndefined()
    expect(m('a.example.com')).toBe('wild')
  })

  it('keeps a port written in a domain when ignorePort is true (Envoy), so it never matches', () => {
    const m = createHostMatcher([{ domains: ['example.com:8787'], value: 'x' }], { ignorePort: true })
    expect(m('example.com:8787')).toBeUndefined()
  })

  it('handles IPv6 literals with and without a port', () => {
    const m = createHostMatcher([{ domains: ['[::1]'], value: 'v6' }], { ignorePort: true })
    expect(m('[::1]:8787')).toBe('v6')
    expect(m('[::1]')).toBe('v6')
    expect(m('[::2]')).toBeUndefined()
  })

  it('returns undefined without a catch-all', () => {
    const m = createHostMatcher([{ domains: ['a.com', '*.b.com'], value: 1 }], { ignorePort: true })
    expect(m('c.com')).toBeUndefined()
    expect(m('b.com')).toBeUndefined()
    expect(m('x.b.com')).toBe(1)
  })

  it('gives a domain listed twice to the first virtual host', () => {
    const m = createHostMatcher(
      [
        { domains: ['a.com', '*.a.com', 'a.*', '*'], value: 'first' },
        { domains: ['A.com', '*.A.com', 'A.*', '*'], value: 'second' },
      ],
      { ignorePort: true }
    )
    for (const host of ['a.com', 'x.a.com', 'a.org', 'zzz']) expect(m(host)).toBe('first')
  })

  it('stays correct with many domains of many lengths', () => {
    const many = Array.from({ length: 5_000 }, (_, i) => ({
      domains: [`svc${i}.example.com`, `*.t${i}.example.com`, `p${i}.*`],
      value: i,
    }))
    const m = createHostMatcher(many, { ignorePort: true })
    expect(m('svc4321.example.com')).toBe(4321)
    expect(m('a.t77.example.com:443')).toBe(77)
    expect(m('p999.local')).toBe(999)
    expect(m('nothing.example.com')).toBeUndefined()
  })
})

describe('stripPort', () => {
  const cases: [string, string][] = [
    ['example.com:8787', 'example.com'],
    ['example.com', 'example.com'],
    ['example.com:', 'example.com'],
    ['example.com:abc', 'example.com:abc'],
    ['[::1]:8787', '[::1]'],
    ['[::1]', '[::1]'],
    ['[2001:db8::1]:443', '[2001:db8::1]'],
    ['::1', '::1'],
    ['127.0.0.1:80', '127.0.0.1'],
  ]
  it.each(cases)('%j gives %j', (host, want) => {
    expect(stripPort(host)).toBe(want)
  })
})
