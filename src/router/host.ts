/**
 * @module Virtual-host selection by Host/:authority (Envoy VirtualHost.domains): exact, then `*.suffix`, then
 * `prefix.*`, then `*`. Lookup cost depends on the host's length, never on the number of domains.
 */

/** One virtual host's domains and the value the matcher returns for it. */
export interface HostEntry<T> {
  domains: readonly string[]
  value: T
}

/** Host matching options. */
export interface HostMatcherOptions {
  /**
   * Strip `:port` from the request's host before matching (Envoy `ignore_port_in_host_matching`). Like Envoy,
   * a port written in a configured domain is kept, so such a domain then never matches.
   */
  ignorePort: boolean
}

/** Maps affixes (lower-cased) to values, probed only at the lengths that exist, longest first. */
interface AffixIndex<T> {
  byAffix: Map<string, T>
  lengths: number[]
}

const newAffixIndex = <T>(): AffixIndex<T> => ({ byAffix: new Map(), lengths: [] })

function addAffix<T>(index: AffixIndex<T>, affix: string, value: T): void {
  if (index.byAffix.has(affix)) return // first virtual host wins; validation rejects duplicates anyway
  index.byAffix.set(affix, value)
  if (!index.lengths.includes(affix.length)) index.lengths.push(affix.length)
}

/**
 * Removes a trailing `:port` (digits only). IPv6 literals keep their colons: `[::1]:8787` becomes `[::1]`,
 * and a bare `::1` (not valid in Host, but seen) is left alone.
 * @param host - a Host header value.
 */
export function stripPort(host: string): string {
  const colon = host.lastIndexOf(':')
  if (colon < 0) return host
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']')
    if (close < 0 || colon !== close + 1) return host
  } else if (host.indexOf(':') !== colon) return host
  for (let i = colon + 1; i < host.length; i++) {
    const c = host.charCodeAt(i)
    if (c < 48 || c > 57) return host
  }
  return host.slice(0, colon)
}

/**
 * Builds a host matcher. Precedence (Envoy): 1. exact; 2. suffix wildcards `*.foo.com`, `*-bar.foo.com`,
 * longest first; 3. prefix wildcards `foo.*`, longest first; 4. `*`. Case-insensitive. A wildcard never
 * matches the empty string (`*-bar.foo.com` does not match `-bar.foo.com`). If a domain appears twice, the
 * first entry wins. Lookup probes one map per distinct wildcard length: O(host length).
 * @param entries - one per virtual host, in config order.
 * @param options - see {@link HostMatcherOptions}.
 * @returns a lookup from a Host header value to its entry's value, or undefined when nothing matches.
 * @example
 * const m = createHostMatcher([{ domains: ['*.example.com'], value: 'a' }, { domains: ['*'], value: 'b' }], { ignorePort: true })
 * m('API.example.com:8787') // 'a'
 */
export function createHostMatcher<T>(
  entries: readonly HostEntry<T>[],
  options: HostMatcherOptions
): (host: string) => T | undefined {
  const exact = new Map<string, T>()
  const suffixes = newAffixIndex<T>()
  const prefixes = newAffixIndex<T>()
  let catchAll: { value: T } | undefined
  for (const { domains, value } of entries) {
    for (const raw of domains) {
      const d = raw.toLowerCase()
      if (d === '*') catchAll ??= { value }
      else if (d.startsWith('*')) addAffix(suffixes, d.slice(1), value)
      else if (d.endsWith('*')) addAffix(prefixes, d.slice(0, -1), value)
      else if (!exact.has(d)) exact.set(d, value)
    }
  }
  suffixes.lengths.sort((a, b) => b - a)
  prefixes.lengths.sort((a, b) => b - a)
  const { ignorePort } = options
  const fallback = catchAll?.value

  return function matchHost(rawHost: string): T | undefined {
    const host = (ignorePort ? stripPort(rawHost) : rawHost).toLowerCase()
    const hit = exact.get(host)
    if (hit !== undefined || exact.has(host)) return hit
    const n = host.length
    // `len < n`: the wildcard must cover at least one character.
    for (const len of suffixes.lengths) {
      if (len >= n) continue
      const s = host.slice(n - len)
      if (suffixes.byAffix.has(s)) return suffixes.byAffix.get(s)
    }
    for (const len of prefixes.lengths) {
      if (len >= n) continue
      const p = host.slice(0, len)
      if (prefixes.byAffix.has(p)) return prefixes.byAffix.get(p)
    }
    return fallback
  }
}
