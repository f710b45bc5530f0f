import { describe, expect, it } from 'vitest'
import { localResponse, ownedResponse } from '../../src/http/owned-response.ts'
import { problem } from '../../src/http/problem.ts'

/** True when `set` on the headers does not throw (a fetched or redirect Response's headers are immutable). */
function mutable(r: Response): boolean {
  try {
    r.headers.set('x-probe', '1')
    return true
  } catch {
    return false
  }
}

describe('ownedResponse: the response phases always get a mutable response, copied only when needed', () => {
  it('hands on a response built by localResponse as it is: the same object, mutable, body unread', async () => {
    const r = localResponse('hello', { status: 201, headers: { 'x-a': '1' } })
    const owned = ownedResponse(r)
    expect(owned).toBe(r)
    expect(mutable(owned)).toBe(true)
    expect(owned.status).toBe(201)
    expect(await owned.text()).toBe('hello')
  })

  it('copies any other response, so one whose headers are immutable becomes mutable', async () => {
    const redirect = Response.redirect('https://elsewhere.example/next', 307)
    expect(mutable(redirect)).toBe(false)
    const owned = ownedResponse(redirect)
    expect(owned).not.toBe(redirect)
    expect(mutable(owned)).toBe(true)
    expect(owned.headers.get('location')).toBe('https://elsewhere.example/next')

    // A plain `new Response` is mutable, but another holder may keep it: it is copied too.
    const plain = new Response('x')
    expect(ownedResponse(plain)).not.toBe(plain)
  })

  it('problem replies are built by localResponse: never copied by the pipeline', () => {
    const reply = problem({ code: 'ERR_ROUTE_NOT_FOUND', detail: 'none', requestId: 'r1' })
    expect(ownedResponse(reply)).toBe(reply)
    expect(mutable(reply)).toBe(true)
  })
})
