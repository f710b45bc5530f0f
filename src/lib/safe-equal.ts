/** @module Constant-time string comparison for secrets (admin token, preview tokens). */
export function safeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a)
  const eb = new TextEncoder().encode(b)
  let diff = ea.length ^ eb.length
  for (let i = 0; i < ea.length; i++) diff |= ea[i]! ^ (eb[i % eb.length] ?? 0)
  return diff === 0
}
