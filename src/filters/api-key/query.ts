/** @module Taking a credential out of the query string without re-encoding the rest of it. */

/** Form-decodes one query component (`+` is a space); a malformed escape leaves it as received. */
function decode(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s
  if (!plus.includes('%')) return plus
  try {
    return decodeURIComponent(plus)
  } catch {
    return plus
  }
}

/**
 * Removes every `name=value` pair whose decoded name is `name` from `url.search` and returns their decoded values.
 * Names are compared decoded, so `api%5Fkey=…` is taken too: the upstream never sees a key under another
 * spelling. Other pairs keep their exact bytes (URLSearchParams would re-encode them: `%20` → `+`).
 */
export function takeQueryParam(url: URL, name: string): string[] {
  const search = url.search
  if (search.length <= 1) return []
  const values: string[] = []
  const kept: string[] = []
  for (const part of search.slice(1).split('&')) {
    const eq = part.indexOf('=')
    const rawName = eq < 0 ? part : part.slice(0, eq)
    if (part !== '' && decode(rawName) === name) values.push(eq < 0 ? '' : decode(part.slice(eq + 1)))
    else kept.push(part)
  }
  if (values.length) url.search = kept.join('&')
  return values
}
