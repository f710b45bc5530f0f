/** @module `--filters <module>`: loads a user's filters and builds the registry the route table is checked with. */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createRegistry } from '../filters/registry.ts'
import type { FilterFactory } from '../filters/types.ts'
import { UsageError } from './exit-codes.ts'

const isFactory = (f: unknown): f is FilterFactory =>
  typeof f === 'object' && f !== null && typeof (f as FilterFactory).name === 'string' &&
  typeof (f as FilterFactory).create === 'function' && typeof (f as FilterFactory).configSchema === 'object'

/**
 * The built-in filters plus, when `module` is given, the module's `filters` export (an array of FilterFactory).
 * TypeScript modules work: the CLI runs under tsx.
 * @throws UsageError when the module cannot be loaded or does not export `filters: FilterFactory[]`.
 */
export async function loadRegistry(module: string | undefined, command: string): Promise<readonly FilterFactory[]> {
  if (module === undefined) return createRegistry()
  let mod: { filters?: unknown }
  try {
    mod = (await import(pathToFileURL(resolve(module)).href)) as { filters?: unknown }
  } catch (e) {
    throw new UsageError(`--filters ${module}: cannot load the module: ${(e as Error).message.split('\n')[0]}`, command)
  }
  const extra = mod.filters
  if (!Array.isArray(extra) || !extra.every(isFactory))
    throw new UsageError(`--filters ${module}: the module must export \`filters\`, an array of filter factories (name, configSchema, create)`, command)
  try {
    return createRegistry(extra)
  } catch (e) {
    throw new UsageError(`--filters ${module}: ${(e as Error).message}`, command)
  }
}
