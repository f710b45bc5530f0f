/**
 * `npm run bench -- --profile NAME`: a V8 CPU profile of one Worker scenario under the same load, taken through
 * workerd's inspector after the measured rounds (so it never changes the reported figures). Writes
 * bench/.build/NAME.cpuprofile (open it in Chrome DevTools › Performance, or VS Code) and prints where the
 * isolate's time goes: busy share, CPU per request, top functions by self time, and top by inclusive time.
 * Profiling slows the isolate down; compare shares between scenarios, not the req/s of a profiled run.
 */
import fs from 'node:fs'
import WebSocket from 'ws'

/** Opens the inspector session of one Worker (workerd lists them as "core:user:<name>"). */
async function connect(inspectorPort, workerName) {
  const list = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()
  const entry = list.find((x) => (x.title ?? '').endsWith(`core:user:${workerName}`))
  if (!entry) throw new Error(`no inspector target for worker ${workerName} (have: ${list.map((x) => x.title).join(', ')})`)
  const ws = new WebSocket(entry.webSocketDebuggerUrl)
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  let id = 0
  const pending = new Map()
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data))
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg)
      pending.delete(msg.id)
    }
  })
  const call = (method, params = {}) =>
    new Promise((resolve) => {
      const i = ++id
      pending.set(i, resolve)
      ws.send(JSON.stringify({ id: i, method, params }))
    })
  return { call, close: () => ws.close() }
}

/**
 * Profiles `runLoad()` (which returns an autocannon result) on `workerName`.
 * @returns {{ profile: object, result: object }}
 */
export async function profileLoad(inspectorPort, workerName, runLoad) {
  const session = await connect(inspectorPort, workerName)
  try {
    await session.call('Profiler.enable')
    await session.call('Profiler.setSamplingInterval', { interval: 250 })
    await session.call('Profiler.start')
    const result = await runLoad()
    const stopped = await session.call('Profiler.stop')
    return { profile: stopped.result.profile, result }
  } finally {
    session.close()
  }
}

/**
 * V8's sampling heap profiler over `runLoad()`, garbage included (what the young generation has to collect): where
 * a request's allocations come from, by function. Profiles allocation, not time, so the machine's load does not
 * matter.
 * @returns {{ profile: object, result: object }}
 */
export async function heapProfileLoad(inspectorPort, workerName, runLoad) {
  const session = await connect(inspectorPort, workerName)
  try {
    await session.call('HeapProfiler.enable')
    await session.call('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
    const result = await runLoad()
    const stopped = await session.call('HeapProfiler.stopSampling')
    return { profile: stopped.result.profile, result }
  } finally {
    session.close()
  }
}

/** Bytes allocated per request by function (self) and with its callees (inclusive), largest first. */
export function summarizeHeap(profile, requests) {
  const self = new Map()
  const inclusive = new Map()
  let total = 0
  const walk = (node, stack) => {
    const key = frameKey(node.callFrame)
    self.set(key, (self.get(key) ?? 0) + node.selfSize)
    total += node.selfSize
    const seen = new Set(stack)
    const below = (node.children ?? []).reduce((a, c) => a + walk(c, seen.has(key) ? stack : [...stack, key]), 0)
    const mine = node.selfSize + below
    if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + mine)
    return mine
  }
  walk(profile.head, [])
  const top = (map, n) =>
    [...map]
      .filter(([k]) => !k.startsWith('(root)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, b]) => `${(b / requests).toFixed(0).padStart(7)} B  ${k}`)
  return [`allocated ${(total / requests).toFixed(0)} bytes per request (${requests} requests, sampled)`, 'top self:', ...top(self, 25), 'top inclusive:', ...top(inclusive, 25)].join('\n')
}

const frameKey = (cf) => `${cf.functionName || '(anonymous)'} ${cf.url ? `${cf.url.split('/').pop()}:${cf.lineNumber + 1}` : '(native)'}`

/** Self and inclusive time per function, as shares of the profile's wall time. */
export function summarize(profile, requests) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map()
  const inclusive = new Map()
  let total = 0
  let idle = 0
  profile.samples.forEach((sample, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    total += dt
    const node = byId.get(sample)
    const key = frameKey(node.callFrame)
    if (node.callFrame.functionName === '(idle)') idle += dt
    self.set(key, (self.get(key) ?? 0) + dt)
    const seen = new Set()
    for (let id = sample; id !== undefined; id = parent.get(id)) {
      const k = frameKey(byId.get(id).callFrame)
      if (seen.has(k)) continue
      seen.add(k)
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt)
    }
  })
  const top = (map, n) =>
    [...map]
      .filter(([k]) => !k.startsWith('(root)') && !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`)
  const busyUs = total - idle
  return [
    `profiled ${(total / 1e6).toFixed(1)} s: isolate busy ${((100 * busyUs) / total).toFixed(0)} %, ${requests} requests, ` +
      `${(busyUs / requests / 1000).toFixed(3)} ms of isolate time per request (inflated by the profiler)`,
    'top self time:',
    ...top(self, 20),
    'top inclusive time:',
    ...top(inclusive, 20),
  ].join('\n')
}

export function writeProfile(file, profile) {
  fs.writeFileSync(file, JSON.stringify(profile))
}
