/**
 * @module ClusterHealth Durable Object (native RPC, SQLite storage). Scaffold: the feature that owns it fills in its
 * state and RPC methods; the math lives in pure functions under src/.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../src/env.ts'

export class ClusterHealth extends DurableObject<Env> {}
