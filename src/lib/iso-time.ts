/**
 * @module `Date.prototype.toISOString` for the hot path. V8's own goes through its date cache and a printf into a
 * buffer: about 7,700 instructions per call in workerd (callgrind), a tenth of what the access log cost per request.
 * This one formats the time of day with arithmetic and keeps the date part of the last day it saw.
 */

const DAY_MS = 86_400_000
/** 10000-01-01T00:00:00.000Z: the first instant toISOString writes with a six-digit year. */
const YEAR_10000_MS = 253_402_300_800_000

const pad2 = (n: number) => (n < 10 ? '0' : '') + n
const pad3 = (n: number) => (n < 10 ? '00' : n < 100 ? '0' : '') + n

let cachedDay = -1
let cachedDate = ''

/** `YYYY-MM-DDT` of a day counted from 1970-01-01 (civil-from-days, proleptic Gregorian). */
function datePart(day: number): string {
  const z = day + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1_460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}T`
}

/** The same string as `new Date(ms).toISOString()` (which it calls outside 1970–9999 or for a fractional `ms`). */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000_MS) return new Date(ms).toISOString()
  const day = Math.floor(ms / DAY_MS)
  if (day !== cachedDay) {
    cachedDate = datePart(day)
    cachedDay = day
  }
  let rest = ms - day * DAY_MS
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const min = Math.floor(rest / 60_000)
  rest -= min * 60_000
  const s = Math.floor(rest / 1_000)
  return `${cachedDate}${pad2(h)}:${pad2(min)}:${pad2(s)}.${pad3(rest - s * 1_000)}Z`
}
