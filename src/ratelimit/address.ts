/** @module Masked client addresses for rate-limit keys (Envoy `masked_remote_address`): "192.0.2.0/24", "2001:db8:0:0:0:0:0:0/64". */
import { parseIp } from '../lib/cidr.ts'

function maskWord(word: number, bits: number): number {
  if (bits >= 32) return word >>> 0
  if (bits <= 0) return 0
  return (word & (0xffffffff << (32 - bits))) >>> 0
}

/**
 * The network part of `address` as `network/len`. IPv4-mapped IPv6 counts as IPv4.
 * @param v4 - prefix length for IPv4, 0–32.
 * @param v6 - prefix length for IPv6, 0–128.
 * @returns undefined when `address` is not an IP literal (the limit then does not apply, as in Envoy).
 * @example maskAddress('192.0.2.77', 24, 64) // '192.0.2.0/24'
 */
export function maskAddress(address: string, v4: number, v6: number): string | undefined {
  const ip = parseIp(address)
  if (!ip) return undefined
  if (ip.family === 4) {
    const w = maskWord(ip.words[0], v4)
    return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}/${v4}`
  }
  const groups: string[] = []
  ip.words.forEach((word, i) => {
    const w = maskWord(word, v6 - 32 * i)
    groups.push((w >>> 16).toString(16), (w & 0xffff).toString(16))
  })
  return `${groups.join(':')}/${v6}`
}
