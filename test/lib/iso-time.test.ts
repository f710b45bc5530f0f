import { describe, expect, it } from 'vitest'
import { isoTime } from '../../src/lib/iso-time.ts'

describe('isoTime', () => {
  it('writes what Date.prototype.toISOString writes, across days, leap years and century rules', () => {
    const instants = [
      0, 1, 999, 1_000, 59_999, 86_399_999, 86_400_000,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 2, 1), Date.UTC(1900 + 200, 1, 28, 12),
      Date.UTC(2024, 1, 29, 6, 7, 8, 9), Date.UTC(2026, 10, 26, 12), Date.UTC(2100, 1, 28, 23, 59, 59, 999), Date.UTC(2100, 2, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ]
    // A fixed-seed walk over 1970–9999 (no Math.random: a failure must replay).
    let seed = 12345
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      instants.push(Math.floor((seed / 2 ** 31) * 253_402_300_799_999))
    }
    for (const ms of instants) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString())
  })

  it('keeps the date part right when time goes back to an earlier day (the cache is per day, not monotonic)', () => {
    const later = Date.UTC(2026, 10, 27, 0, 0, 0, 1)
    const earlier = Date.UTC(2026, 10, 26, 23, 59, 59, 999)
    expect([isoTime(later), isoTime(earlier), isoTime(later)]).toEqual(['2026-11-27T00:00:00.001Z', '2026-11-26T23:59:59.999Z', '2026-11-27T00:00:00.001Z'])
  })

  it('falls back to toISOString outside 1970–9999 and for fractional milliseconds', () => {
    for (const ms of [-1, -62_198_755_200_000, 253_402_300_800_000, 1.5]) expect(isoTime(ms)).toBe(new Date(ms).toISOString())
  })
})
