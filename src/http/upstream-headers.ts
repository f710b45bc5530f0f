/**
 * @module The upstream-bound headers of one request, built when first needed: a request answered locally (a cache
 * hit, a refusal) never copies and sanitizes the client's headers. Single reads and deletes before that are answered
 * from the client's headers (issue 17: the hit path).
 */
import { connectionTokensOf, isHeaderName, keptAsSent, toUpstreamHeaders, type UpstreamHeaderInfo } from './headers.ts'

/** What reads one header by name: a `Headers`, or {@link UpstreamHeaders} before it is built. */
export interface HeaderReader {
  get(name: string): string | null
}

/** What the gateway adds to the built headers after routing (trace context), and the names it may set. */
export interface Completion {
  names: readonly string[]
  apply(headers: Headers): void
}

export class UpstreamHeaders implements HeaderReader {
  readonly #incoming: Headers
  readonly #info: UpstreamHeaderInfo
  #completion: Completion | undefined
  #built: Headers | undefined
  #deleted: Set<string> | undefined
  #connection: string[] | undefined

  constructor(incoming: Headers, info: UpstreamHeaderInfo) {
    this.#incoming = incoming
    this.#info = info
  }

  /**
   * What the gateway adds once routing is done (the trace context: route matching sees the client's). Applied now
   * when matching already built the headers, else by the build.
   */
  complete(completion: Completion): void {
    if (this.#built) completion.apply(this.#built)
    else this.#completion = completion
  }

  /** The headers that go upstream: `toUpstreamHeaders`, the completion, then the deletes made before. Built once. */
  build(): Headers {
    if (this.#built) return this.#built
    const out = toUpstreamHeaders(this.#incoming, this.#info)
    this.#completion?.apply(out)
    if (this.#deleted) for (const name of this.#deleted) out.delete(name)
    return (this.#built = out)
  }

  /** Same answer as `build().get(name)`; from the client's headers when sanitizing leaves the name as sent. */
  get(name: string): string | null {
    if (this.#built) return this.#built.get(name)
    const n = name.toLowerCase()
    if (this.#deleted?.has(n)) return null
    if (this.#completion?.names.includes(n) || !keptAsSent(n, (this.#connection ??= connectionTokensOf(this.#incoming)))) return this.build().get(n)
    return this.#incoming.get(n)
  }

  /** Same effect as `build().delete(name)`; before the build, remembered and applied by it. */
  delete(name: string): void {
    if (this.#built) return this.#built.delete(name)
    if (!isHeaderName(name)) throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`) // as Headers would
    ;(this.#deleted ??= new Set()).add(name.toLowerCase())
  }
}
