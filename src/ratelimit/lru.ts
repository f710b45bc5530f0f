/** @module A bounded map that forgets the least recently used entry: per-isolate limiter state never grows without bound. */

/** Map with a size cap; `get` refreshes recency, `set` returns what it evicted so the caller can clean up. */
export class Lru<K, V> {
  readonly #max: number
  readonly #map = new Map<K, V>()

  /** @param max - entries kept, ≥ 1. */
  constructor(max: number) {
    this.#max = Math.max(1, max)
  }

  get size(): number {
    return this.#map.size
  }

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    const v = this.#map.get(key)
    if (v !== undefined) {
      this.#map.delete(key)
      this.#map.set(key, v)
    }
    return v
  }

  /** Reads without touching recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key)
  }

  /**
   * Inserts or replaces (most recently used).
   * @returns the evicted entry when the cap was exceeded.
   */
  set(key: K, value: V): [K, V] | undefined {
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size <= this.#max) return undefined
    const oldest = this.#map.entries().next().value as [K, V]
    this.#map.delete(oldest[0])
    return oldest
  }

  delete(key: K): boolean {
    return this.#map.delete(key)
  }

  /** Oldest first. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries()
  }
}
