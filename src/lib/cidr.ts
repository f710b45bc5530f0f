/**
 * @module IPv4 and IPv6 addresses and CIDR ranges: strict parsing and prefix matching, pure (no platform APIs).
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is the IPv4 address `a.b.c.d`, for addresses and for ranges of /96 or
 * longer inside `::ffff:0:0/96`; every other IPv6 range matches IPv6 addresses only (so `::/0` is "all IPv6").
 */

/** A parsed address: IPv4 as one 32-bit word, IPv6 as four, most significant first. */
export type IpAddress = { family: 4; words: readonly [number] } | { family: 6; words: readonly [number, number, number, number] }

/** A parsed CIDR range with its host bits cleared. */
export interface Cidr {
  family: 4 | 6
  /** Network words (host bits zero), as in {@link IpAddress}. */
  words: readonly number[]
  /** Prefix length: 0–32 (IPv4) or 0–128 (IPv6). */
  prefix: number
  /** Per-word masks, precomputed. */
  masks: readonly number[]
}

const DEC_RE = /^(?:0|[1-9]\d{0,2})$/
const HEX_RE = /^[0-9A-Fa-f]{1,4}$/

/** Strict dotted quad: four decimal parts 0–255, no leading zeros (no octal ambiguity), no shorthand. */
function parseV4(s: string): number | undefined {
  const parts = s.split('.')
  if (parts.length !== 4) return undefined
  let value = 0
  for (const p of parts) {
    if (!DEC_RE.test(p)) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    value = value * 256 + n
  }
  return value >>> 0
}

/** RFC 4291 §2.2 text forms: eight groups, one `::`, an optional trailing dotted quad. No zone ids, no brackets. */
function parseV6(s: string): [number, number, number, number] | undefined {
  if (s.length < 2 || s.length > 45) return undefined
  const halves = s.split('::')
  if (halves.length > 2) return undefined
  const groups = (part: string): number[] | undefined => {
    if (part === '') return []
    const out: number[] = []
    const items = part.split(':')
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseV4(item)
        if (v4 === undefined) return undefined
        out.push(v4 >>> 16, v4 & 0xffff)
      } else if (HEX_RE.test(item)) out.push(parseInt(item, 16))
      else return undefined
    }
    return out
  }
  const head = groups(halves[0]!)
  const tail = halves.length === 2 ? groups(halves[1]!) : []
  if (!head || !tail) return undefined
  // A dotted quad is only allowed at the very end.
  if (halves.length === 2 && halves[0]!.includes('.')) return undefined
  let all: number[]
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length
    if (missing < 1) return undefined
    all = [...head, ...new Array<number>(missing).fill(0), ...tail]
  } else all = head
  if (all.length !== 8) return undefined
  const w = (i: number) => ((all[i]! << 16) | all[i + 1]!) >>> 0
  return [w(0), w(2), w(4), w(6)]
}

const isMapped = (w: readonly number[]) => w[0] === 0 && w[1] === 0 && w[2] === 0xffff

/**
 * Parses an IP literal (no port, no brackets, no zone). `::ffff:a.b.c.d` (and its hex form) becomes IPv4.
 * @returns the address, or undefined when `s` is not a strict IP literal.
 * @example parseIp('::ffff:192.0.2.1') // { family: 4, words: [0xc0000201] }
 */
export function parseIp(s: string): IpAddress | undefined {
  if (s.includes(':')) {
    const w = parseV6(s)
    if (!w) return undefined
    return isMapped(w) ? { family: 4, words: [w[3]] } : { family: 6, words: w }
  }
  const v4 = parseV4(s)
  return v4 === undefined ? undefined : { family: 4, words: [v4] }
}

function masksFor(prefix: number, count: number): number[] {
  const masks: number[] = []
  for (let i = 0; i < count; i++) {
    const bits = Math.min(32, Math.max(0, prefix - i * 32))
    masks.push(bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0)
  }
  return masks
}

/** Why {@link parseCidr} refused its input. */
export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; reason: string }

/**
 * Parses `address/prefix` or a bare address (a /32 or /128). Host bits must be zero (`10.0.0.1/8` is refused with
 * a hint: it is usually a typo). An IPv6 range of /96 or longer inside `::ffff:0:0/96` becomes the IPv4 range.
 * @example parseCidr('2001:db8::/32') // { ok: true, cidr: { family: 6, prefix: 32, … } }
 */
export function parseCidr(s: string): CidrResult {
  const slash = s.indexOf('/')
  const addrText = slash < 0 ? s : s.slice(0, slash)
  const prefixText = slash < 0 ? undefined : s.slice(slash + 1)
  const v6 = addrText.includes(':')
  const raw = v6 ? parseV6(addrText) : parseV4(addrText)
  if (raw === undefined) return { ok: false, reason: `${JSON.stringify(s)} is not an IPv4 or IPv6 address or CIDR range` }
  const max = v6 ? 128 : 32
  if (prefixText !== undefined && !/^(?:0|[1-9]\d{0,2})$/.test(prefixText))
    return { ok: false, reason: `${JSON.stringify(s)}: the prefix length must be a number from 0 to ${max}` }
  let prefix = prefixText === undefined ? max : Number(prefixText)
  if (prefix > max) return { ok: false, reason: `${JSON.stringify(s)}: the prefix length must be a number from 0 to ${max}` }
  let words: number[] = typeof raw === 'number' ? [raw] : [...raw]
  let family: 4 | 6 = v6 ? 6 : 4
  if (family === 6 && prefix >= 96 && isMapped(words)) {
    family = 4
    words = [words[3]!]
    prefix -= 96
  }
  const masks = masksFor(prefix, words.length)
  const network = words.map((w, i) => (w & masks[i]!) >>> 0)
  if (network.some((w, i) => w !== words[i])) {
    const fixed = formatCidr({ family, words: network, prefix, masks })
    return { ok: false, reason: `${JSON.stringify(s)} has host bits set after the /${prefixText}; did you mean ${fixed}?` }
  }
  return { ok: true, cidr: { family, words: network, prefix, masks } }
}

/** True when `addr` lies in `cidr`. Different families never match. */
export function cidrContains(cidr: Cidr, addr: IpAddress): boolean {
  if (cidr.family !== addr.family) return false
  for (let i = 0; i < cidr.words.length; i++) {
    if (((addr.words[i]! & cidr.masks[i]!) >>> 0) !== cidr.words[i]) return false
  }
  return true
}

/** Text form of a range: dotted quad for IPv4, uncompressed lower-case hex groups for IPv6. */
export function formatCidr(c: Cidr): string {
  if (c.family === 4) {
    const w = c.words[0]!
    return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}/${c.prefix}`
  }
  const groups = c.words.flatMap((w) => [(w >>> 16).toString(16), (w & 0xffff).toString(16)])
  return `${groups.join(':')}/${c.prefix}`
}

/**
 * Compiles a list of ranges into one predicate over addresses.
 * @param cidrs ranges already checked by {@link parseCidr} (throws on an invalid one: validate first).
 */
export function compileCidrSet(cidrs: readonly string[]): (addr: IpAddress) => boolean {
  const parsed = cidrs.map((s) => {
    const r = parseCidr(s)
    if (!r.ok) throw new Error(r.reason)
    return r.cidr
  })
  const v4 = parsed.filter((c) => c.family === 4)
  const v6 = parsed.filter((c) => c.family === 6)
  return (addr) => (addr.family === 4 ? v4 : v6).some((c) => cidrContains(c, addr))
}
