/**
 * @module The live config of one isolate. Serves from memory; checks the KV pointer at most every
 * `refresh_interval`, in the background (ctx.waitUntil), so no request after the isolate's first waits on KV.
 * A new valid version is compiled and swapped in atomically; an invalid or unreadable one is refused, counted
 * and remembered, and the last good snapshot keeps serving (Envoy's NACK: latch on to the previous config).
 */
import type { FilterFactory } from '../filters/types.ts'
import type { ConfigIssue } from '../config/issues.ts'
import { CompileError, compileConfig, type Snapshot } from './compile.ts'
import { type ConfigPointer, POINTER_KEY, type StoredConfig, versionKey } from '../config/store-keys.ts'
import { validateConfig } from './validate.ts'

/** Used until a config is loaded: how often to look for the first one. */
const DEFAULT_REFRESH_MS = 5_000

export interface ConfigError {
  version: number | null
  at: string
  kind: 'rejected' | 'unreadable'
  message: string
  issues?: ConfigIssue[]
}

export interface ConfigStatus {
  live_version: number | null
  live_since: string | null
  last_checked_at: string | null
  update_attempt: number
  update_success: number
  update_rejected: number
  update_failure: number
  last_error: ConfigError | null
}

export interface ConfigStore {
  /**
   * The snapshot to serve, or undefined when no config was ever pushed. Awaits KV only on first use: after that
   * it answers synchronously (no promise on the hot path) and refreshes in `waitUntil` when due.
   */
  current(kv: KVNamespace, waitUntil: (p: Promise<unknown>) => void): Snapshot | undefined | Promise<Snapshot | undefined>
  /** Checks KV now (awaits). */
  refresh(kv: KVNamespace): Promise<void>
  status(): ConfigStatus
}

export function createConfigStore(filters: readonly FilterFactory[], now: () => number = Date.now): ConfigStore {
  let snapshot: Snapshot | undefined
  let liveSince: number | undefined
  let lastCheck: number | undefined
  let inFlight: Promise<void> | undefined
  let firstLoad: Promise<void> | undefined
  let rejectedVersion: number | undefined
  let lastError: ConfigError | null = null
  const counters = { update_attempt: 0, update_success: 0, update_rejected: 0, update_failure: 0 }

  function fail(kind: ConfigError['kind'], version: number | null, message: string, issues?: ConfigIssue[]) {
    lastError = { version, at: new Date(now()).toISOString(), kind, message, ...(issues ? { issues } : {}) }
    if (kind === 'rejected') {
      counters.update_rejected++
      rejectedVersion = version ?? undefined
    } else counters.update_failure++
    console.warn(JSON.stringify({ level: 'warn', msg: `config ${kind}`, version, message, issues, live_version: snapshot?.version ?? null }))
  }

  async function load(kv: KVNamespace): Promise<void> {
    lastCheck = now()
    let pointer: ConfigPointer | null
    try {
      pointer = await kv.get<ConfigPointer>(POINTER_KEY, 'json')
    } catch (e) {
      return fail('unreadable', null, `reading ${POINTER_KEY}: ${(e as Error).message}`)
    }
    if (!pointer || typeof pointer.version !== 'number') return
    const version = pointer.version
    // Versions only move forward; an older pointer is a KV replica catching up.
    if ((snapshot && version <= snapshot.version) || version === rejectedVersion) return
    counters.update_attempt++
    let stored: StoredConfig | null
    try {
      stored = await kv.get<StoredConfig>(versionKey(version), 'json')
    } catch (e) {
      return fail('unreadable', version, `reading ${versionKey(version)}: ${(e as Error).message}`)
    }
    if (!stored) return fail('unreadable', version, `${versionKey(version)} is missing (the pointer names a version that was never written)`)
    // Compiled right below; a compile failure is a rejection too.
    const result = validateConfig(stored.config, filters, { trialCompile: false })
    if (!result.ok) return fail('rejected', version, `version ${version} is invalid; still serving ${snapshot?.version ?? 'nothing'}`, result.issues)
    try {
      snapshot = compileConfig(result.config, version, filters, snapshot)
    } catch (e) {
      const issues = e instanceof CompileError ? [{ path: e.path, message: e.message }] : undefined
      return fail('rejected', version, `version ${version} failed to compile: ${(e as Error).message}`, issues)
    }
    liveSince = now()
    counters.update_success++
    console.log(JSON.stringify({ level: 'info', msg: 'config applied', version }))
  }

  function refresh(kv: KVNamespace): Promise<void> {
    inFlight ??= load(kv).finally(() => {
      inFlight = undefined
    })
    return inFlight
  }

  return {
    current(kv, waitUntil) {
      // Every request that arrives before the isolate's first load completes waits for that one load.
      if (!firstLoad) return (firstLoad = refresh(kv)).then(() => snapshot)
      if (lastCheck === undefined || inFlight === firstLoad) return firstLoad.then(() => snapshot)
      const interval = snapshot?.settings.refresh_interval ?? DEFAULT_REFRESH_MS
      if (!inFlight && now() - lastCheck >= interval) waitUntil(refresh(kv))
      return snapshot
    },
    refresh,
    status() {
      return {
        live_version: snapshot?.version ?? null,
        live_since: liveSince === undefined ? null : new Date(liveSince).toISOString(),
        last_checked_at: lastCheck === undefined ? null : new Date(lastCheck).toISOString(),
        ...counters,
        last_error: lastError,
      }
    },
  }
}
