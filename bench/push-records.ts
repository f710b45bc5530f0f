/**
 * @module The records `legate push` writes for a table: validated with the built-in filters, then sealed with
 * that validator's fingerprint (src/snapshot/seal.ts). For the benchmarks' KV seeding (bench/systems.mjs); one
 * module, so the registry it validates with is the one the fingerprint recognizes as built in.
 */
import { toRecords } from '../src/config/publish.ts'
import { createRegistry } from '../src/filters/registry.ts'
import { validatorFingerprint } from '../src/snapshot/seal.ts'
import { validateConfig } from '../src/snapshot/validate.ts'

const filters = createRegistry()

export async function pushRecords(table: unknown, version: number, source = 'bench') {
  const checked = validateConfig(table, filters)
  if (!checked.ok) throw new Error(`the bench table is invalid: ${JSON.stringify(checked.issues.slice(0, 3))}`)
  return toRecords(table, version, source, new Date(), await validatorFingerprint(filters))
}
