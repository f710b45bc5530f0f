import { fork } from 'node:child_process'
import { Miniflare } from 'miniflare'
import autocannon from 'autocannon'
const up = fork('/work/main/bench/upstream.mjs', [], { stdio: 'inherit' })
const port = await new Promise((r) => up.once('message', (m) => r(m.port)))
const names = ['v0', 'v1', 'v2', 'v3', 'v4']
const mf = new Miniflare({ workers: names.map((n) => ({ name: n, modules: true, scriptPath: `bench/_var/${n}.js`, compatibilityDate: '2026-04-26', stripCfConnectingIp: false, bindings: { UPSTREAM: `http://127.0.0.1:${port}` }, unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] })) })
try {
await mf.ready
const urls = {}; for (const n of names) urls[n] = new URL('/api/v1/users/42', await mf.unsafeGetDirectURL(n)).href
const run = (url, d) => new Promise((res, rej) => autocannon({ url, connections: 32, duration: d }, (e, r) => e ? rej(e) : res(r)))
for (const n of names) await run(urls[n], 1)
const out = Object.fromEntries(names.map((n) => [n, []]))
for (let r = 0; r < 3; r++) for (const n of names) { const x = await run(urls[n], 4); out[n].push(Math.round(x['2xx'] / x.duration)) }
for (const n of names) console.log(n, out[n].join(' '), 'ratio', out[n].map((v, i) => (v / out.v0[i]).toFixed(2)).join(' '))
} finally { await mf.dispose(); up.kill() }
