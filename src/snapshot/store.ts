/**
 * @module The live config of one isolate. Serves from memory; checks the KV pointer at most every
 * `refresh_interval`, in the background (ctx.waitUntil), so no request after the isolate's first waits on KV.
 * A new valid version is compiled and swapped in atomically; an invalid or unreadable one is refused, counted
 * and remembered, and the last good snapshot keeps serving (Envoy's NACK: latch on to the previous config).
 */
import type { FilterFactory } from '../filters/types.ts'
import type { ConfigIssue } from '../config/issues.ts'
import { CompileError, compileConfig, type Snapshot } from './compile.ts'
import { type ConfigPointer, POINTER_KEY } from '../config/store-keys.ts'
import { validateConfig } from './validate.ts'
import { compileSealed } from './lazy.ts'
import { readVersion } from './seal.ts'
import { canaryWeight, type RolloutState } from '../rollout/schema.ts'

/** Versions compiled for preview requests, kept per isolate. */
const MAX_PREVIEWS = 2

export interface CanaryLive {
  snapshot: Snapshot
  rollout: RolloutState
}

/**
 * The base a canary (or preview) is compiled on: it shares the stable snapshot's per-isolate cluster state but
 * never queues the stable clusters it lacks for retirement (the stable version still uses them).
 */
function sharingBase(stable: Snapshot): Pick<Snapshot, 'clusterSet'> {
  const carried = new Map([...stable.clusterSet.carried].map(([k, v]) => [k, { ...v, shared: false }]))
  return { clusterSet: { ...stable.clusterSet, carried, retired: [] } }
}

/** When a canary is let go: its clusters with shared state that stable lacks are retired through stable's queue. */
function retireCanaryClusters(canary: Snapshot, stable: Snapshot): void {
  for (const [name, c] of canary.clusterSet.carried)
    if (c.shared && !stable.clusterSet.carried.has(name) && !stable.clusterSet.retired.some((r) => r.name === name))
      stable.clusterSet.retired.push({ name, version: canary.version })
}

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
  /** True when the live version was loaded by its seal (not validated again, routes compiled on first use). */
  live_sealed: boolean | null
  /** The running rollout's canary version held by this isolate, and its share of traffic in percent. */
  canary_version: number | null
  canary_weight: number | null
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
  /** The running rollout's canary, compiled and held next to the stable snapshot (synchronous). */
  canary(): CanaryLive | undefined
  /** Any stored version, compiled on first use and kept for a few previews; undefined when it cannot serve. */
  preview(kv: KVNamespace, version: number): Promise<Snapshot | undefined>
  status(): ConfigStatus
}

export function createConfigStore(filters: readonly FilterFactory[], now: () => number = Date.now): ConfigStore {
  let snapshot: Snapshot | undefined
  const sealed = new WeakSet<Snapshot>()
  let canary: CanaryLive | undefined
  const previews = new Map<number, Promise<Snapshot | undefined>>()
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

  /** Reads, validates and compiles one stored version; undefined (and the failure recorded) when it cannot serve. */
  async function compileVersion(kv: KVNamespace, version: number, previous: Pick<Snapshot, 'clusterSet'> | undefined): Promise<Snapshot | undefined> {
    counters.update_attempt++
    const read = await readVersion(kv, version, filters)
    if (!read.ok) return void fail(read.kind, version, read.kind === 'rejected' ? `${read.message}; still serving ${snapshot?.version ?? 'nothing'}` : read.message)
    const stored = read.stored
    // A sealed body was validated and trial-compiled when it was pushed: its routes are compiled as requests reach them.
    if (read.sealed)
      try {
        const compiled = compileSealed(stored?.config, version, filters, previous)
        sealed.add(compiled)
        counters.update_success++
        console.log(JSON.stringify({ level: 'info', msg: 'config applied', version, sealed: true }))
        return compiled
      } catch (e) {
        console.warn(JSON.stringify({ level: 'warn', msg: 'sealed config did not load; validating it in full', version, message: (e as Error)?.message }))
      }
    // Compiled right below; a compile failure is a rejection too.
    const result = validateConfig(stored?.config, filters, { trialCompile: false })
    if (!result.ok) return void fail('rejected', version, `version ${version} is invalid; still serving ${snapshot?.version ?? 'nothing'}`, result.issues)
    try {
      const compiled = compileConfig(result.config, version, filters, previous)
      counters.update_success++
      console.log(JSON.stringify({ level: 'info', msg: 'config applied', version }))
      return compiled
    } catch (e) {
      const issues = e instanceof CompileError ? [{ path: e.path, message: e.message }] : undefined
      return void fail('rejected', version, `version ${version} failed to compile: ${(e as Error).message}`, issues)
    }
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
    if ((!snapshot || version > snapshot.version) && version !== rejectedVersion) {
      const next = await compileVersion(kv, version, snapshot)
      if (next) {
        snapshot = next
        liveSince = now()
      }
    }
    if (snapshot && version < snapshot.version) return
    await loadCanary(kv, pointer.rollout)
  }

  /** Holds the running rollout's canary snapshot next to the stable one, or lets it go when the rollout ended. */
  async function loadCanary(kv: KVNamespace, rollout: RolloutState | undefined): Promise<void> {
    if (!snapshot || !rollout || rollout.canary.version <= snapshot.version) {
      if (canary && snapshot) retireCanaryClusters(canary.snapshot, snapshot)
      canary = undefined
      return
    }
    if (canary?.snapshot.version === rollout.canary.version) {
      canary = { snapshot: canary.snapshot, rollout }
      return
    }
    if (rollout.canary.version === rejectedVersion) return
    const compiled = await compileVersion(kv, rollout.canary.version, sharingBase(snapshot))
    if (compiled) canary = { snapshot: compiled, rollout }
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
    canary: () => canary,
    preview(kv, version) {
      if (snapshot?.version === version) return Promise.resolve(snapshot)
      if (canary?.snapshot.version === version) return Promise.resolve(canary.snapshot)
      let p = previews.get(version)
      if (!p) {
        // A few versions at most: previews are for people trying a version, not for traffic.
        if (previews.size >= MAX_PREVIEWS) previews.delete(previews.keys().next().value!)
        p = snapshot ? compileVersion(kv, version, sharingBase(snapshot)) : Promise.resolve(undefined)
        previews.set(version, p)
        void p.then((s) => s ?? previews.delete(version))
      }
      return p
    },
    status() {
      return {
        live_version: snapshot?.version ?? null,
        live_sealed: snapshot ? sealed.has(snapshot) : null,
        canary_version: canary?.snapshot.version ?? null,
        canary_weight: canary ? canaryWeight(canary.rollout) : null,
        live_since: liveSince === undefined ? null : new Date(liveSince).toISOString(),
        last_checked_at: lastCheck === undefined ? null : new Date(lastCheck).toISOString(),
        ...counters,
        last_error: lastError,
      }
    },
  }
}
