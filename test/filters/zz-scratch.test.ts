import { it, inject } from 'vitest'
it('probe A: fetch with an erroring JS stream', async () => {
  const body = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new Uint8Array(10)); c.error(new Error('PROBE-A')) } })
  try { const r = await fetch(`${inject('upstreams').echo[0]}/x`, { method: 'POST', body }); console.log('A resolved', r.status, await r.text()) } catch (e) { console.log('A rejected', String(e)) }
})
it('probe B: fetch with a TransformStream that errors', async () => {
  const src = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new Uint8Array(10)); c.enqueue(new Uint8Array(10)); c.close() } })
  let n = 0
  const body = src.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform(ch, ctl) { if (++n > 1) { ctl.error(new Error('PROBE-B')); return }; ctl.enqueue(ch) } }))
  try { const r = await fetch(`${inject('upstreams').echo[0]}/x`, { method: 'POST', body }); console.log('B resolved', r.status, await r.text()) } catch (e) { console.log('B rejected', String(e)) }
  await new Promise(r => setTimeout(r, 50))
})
it('probe C: throw in transform instead', async () => {
  const src = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new Uint8Array(10)); c.enqueue(new Uint8Array(10)); c.close() } })
  let n = 0
  const body = src.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform(ch, ctl) { if (++n > 1) throw new Error('PROBE-C'); ctl.enqueue(ch) } }))
  try { const r = await fetch(`${inject('upstreams').echo[0]}/x`, { method: 'POST', body }); console.log('C resolved', r.status, await r.text()) } catch (e) { console.log('C rejected', String(e)) }
  await new Promise(r => setTimeout(r, 50))
})
