/** @module Table-driven config tests: every valid input parses, every invalid one is rejected with a reason. */
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'

export interface ConfigTable {
  /** Inputs that must parse; optionally with a check on the output. */
  valid: { name: string; input: unknown; expect?: Record<string, unknown> }[]
  /** Inputs that must be rejected, with a fragment of the expected message (or issue path). */
  invalid: { name: string; input: unknown; error: string }[]
}

/** Defines `accepts …` / `rejects …` tests for a config schema. */
export function describeConfig(schema: z.ZodType, table: ConfigTable): void {
  describe('config', () => {
    it.each(table.valid)('accepts $name', ({ input, expect: want }) => {
      const r = schema.safeParse(input)
      expect(r.error?.issues ?? []).toEqual([])
      if (want) expect(r.data).toMatchObject(want)
    })
    it.each(table.invalid)('rejects $name', ({ input, error }) => {
      const r = schema.safeParse(input)
      expect(r.success).toBe(false)
      const text = (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')
      expect(text).toContain(error)
    })
  })
}
