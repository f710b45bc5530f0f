/** @module URL helpers that never throw: parsing untrusted or unvalidated input (request URLs, config values). */

/**
 * `new URL(raw)`, or undefined where it would throw. Node 20 (the CLI) has no `URL.parse`, hence this.
 * @example tryParseUrl('http://h:99999') // undefined
 */
export function tryParseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw)
  } catch {
    return undefined
  }
}

/** A bare origin: no path, query, fragment or credentials (`http(s)://host[:port]`, with or without a final "/"). */
export function isBareOrigin(url: URL): boolean {
  return (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username && !url.password
}
