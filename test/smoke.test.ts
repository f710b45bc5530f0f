import { env } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'

describe('test environment', () => {
  it('reaches a real upstream on 127.0.0.1 and has a KV namespace', async () => {
    const { echo } = inject('upstreams')
    const res = await fetch(`${echo[0]}/hi`)
    const body = (await res.json()) as { server: string; url: string }
    expect(body.server).toBe('echo-a')
    await env.CONFIG.put('k', 'v')
    expect(await env.CONFIG.get('k')).toBe('v')
    const svc = env.ECHO_SERVICE as Fetcher
    expect(((await (await svc.fetch('https://x/y')).json()) as { worker: string }).worker).toBe('echo-service')
  })
})
