/** @module Config errors as `{ path, message }`, with paths written the way users read them: `a.b[3].c`. */
import type { z } from 'zod'

export interface ConfigIssue {
  /** e.g. `virtual_hosts[0].routes[3].forward.cluster`; "" for the root. */
  path: string
  message: string
}

export function toPath(segments: readonly PropertyKey[]): string {
  let out = ''
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`
    else out += out ? `.${String(s)}` : String(s)
  }
  return out
}

type RawIssue = z.core.$ZodIssue

/**
 * Flattens zod issues. For a union that failed everywhere, report the branch that got furthest (the one whose
 * errors are not a bare type mismatch at the union's own level), so `filters.cors.max_age: expected number`
 * is shown instead of "Invalid input".
 */
export function fromZod(issues: readonly RawIssue[], base: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = []
  for (const issue of issues) {
    const path = [...base, ...issue.path]
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branches = issue.errors
      const deep = branches.filter((b) => b.some((i) => i.path.length > 0 || i.code === 'custom' || i.code === 'unrecognized_keys'))
      if (deep.length === 1) {
        out.push(...fromZod(deep[0]!, path))
        continue
      }
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: toPath([...path, key]), message: 'unknown key' })
      continue
    }
    out.push({ path: toPath(path), message: issue.message })
  }
  return out
}

/** One line per issue: `path: message`. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n')
}
