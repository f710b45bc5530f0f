/** @module fault filter: injects delays (flag DI) and aborts (ERR_FAULT_ABORT, flag FI), Envoy HTTPFault. */
import { problem } from '../../http/problem.ts'
import { defineFilter, type RequestContext } from '../types.ts'
import { FAULT_ERRORS, FAULT_STATS, faultConfig } from './config.ts'

/** What happened to one request, in `rc.state.fault`. */
export interface FaultState {
  /** Injected delay in ms (`delays_injected`). */
  delayed_ms?: number
  /** Status of the injected abort (`aborts_injected`). */
  aborted_status?: number
  /** A fault was skipped because `max_active_faults` was reached (`faults_overflow`). */
  overflow?: boolean
}

declare module '../../context.ts' {
  interface FilterStateMap {
    fault: FaultState
  }
}

const ABORT_HEADER = 'x-envoy-fault-abort-request'
const ABORT_PCT_HEADER = 'x-envoy-fault-abort-request-percentage'
const DELAY_HEADER = 'x-envoy-fault-delay-request'
const DELAY_PCT_HEADER = 'x-envoy-fault-delay-request-percentage'
/** setTimeout's ceiling; larger header delays are clamped to it. */
const MAX_DELAY_MS = 2_147_483_647

let random: () => number = Math.random
let activeFaults = 0

/**
 * Replaces the random source (a function returning [0, 1)) for every fault filter in this isolate. For tests;
 * call with no argument to restore `Math.random`.
 */
export function setRandomSource(source?: () => number): void {
  random = source ?? Math.random
}

/** Requests currently held in an injected delay in this isolate. */
export function activeFaultCount(): number {
  return activeFaults
}

/** The request header, as forwarded or else as received (the core may strip `x-envoy-*` from the former). */
const header = (rc: RequestContext, name: string) => rc.headers.get(name) ?? rc.request.headers.get(name)

function headerPercentage(rc: RequestContext, name: string, configured: number): number {
  const raw = header(rc, name)
  if (raw === null || !/^\d+(\.\d+)?$/.test(raw)) return configured
  return Math.min(Number(raw), configured)
}

const chosen = (pct: number) => pct > 0 && random() * 100 < pct
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * The `fault` filter. Answers locally with the abort reply; otherwise holds the request for the delay and
 * continues. Place it early in the chain: filters before it still run their response phase on the abort.
 * @example http_filters: [{ name: fault, config: { abort: { http_status: 503, percentage: 5 } } }]
 */
export const faultFilter = defineFilter({
  name: 'fault',
  status: 'stable',
  description: 'Injects delays and aborts for resilience testing (Envoy HTTPFault)',
  configSchema: faultConfig,
  errors: FAULT_ERRORS,
  stats: FAULT_STATS,
  create(config) {
    const abort = config.abort
    const delay = config.delay
    const maxActive = config.max_active_faults ?? Infinity
    if (!abort && !delay) return {}

    function delayMs(rc: RequestContext): number {
      if (!delay) return 0
      let ms = delay.fixed_delay
      let pct = delay.percentage
      if (delay.header_delay) {
        const raw = header(rc, DELAY_HEADER)
        if (raw !== null && /^\d+$/.test(raw)) ms = Math.min(Number(raw), MAX_DELAY_MS)
        pct = headerPercentage(rc, DELAY_PCT_HEADER, pct)
      }
      return ms !== undefined && ms > 0 && chosen(pct) ? ms : 0
    }

    function maybeAbort(rc: RequestContext, state: FaultState): Response | undefined {
      if (!abort) return undefined
      let status = abort.http_status
      let pct = abort.percentage
      if (abort.header_abort) {
        const raw = header(rc, ABORT_HEADER)
        if (raw !== null && /^[2-5]\d\d$/.test(raw)) status = Number(raw)
        pct = headerPercentage(rc, ABORT_PCT_HEADER, pct)
      }
      if (status === undefined || !chosen(pct)) return undefined
      if (activeFaults >= maxActive) {
        state.overflow = true
        rc.stats.counter('fault.faults_overflow')
        return undefined
      }
      state.aborted_status = status
      rc.flags.add('FI')
      rc.stats.counter('fault.aborts_injected')
      return problem(
        {
        code: 'ERR_FAULT_ABORT',
        detail: 'The request was aborted by fault injection configured on this route',
        requestId: rc.requestId,
        status,
        flag: 'FI',
        },
        FAULT_ERRORS
      )
    }

    async function delayThenAbort(rc: RequestContext, state: FaultState, ms: number) {
      state.delayed_ms = ms
      rc.flags.add('DI')
      rc.stats.counter('fault.delays_injected')
      activeFaults++
      try {
        await sleep(ms)
      } finally {
        activeFaults--
      }
      return maybeAbort(rc, state)
    }

    return {
      onRequest: function fault(rc) {
        const state: FaultState = {}
        rc.state.fault = state
        const ms = delayMs(rc)
        if (ms > 0) {
          if (activeFaults < maxActive) return delayThenAbort(rc, state, ms)
          state.overflow = true
          rc.stats.counter('fault.faults_overflow')
        }
        return maybeAbort(rc, state)
      },
    }
  },
})
