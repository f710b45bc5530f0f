/**
 * @module `legate rollout status | promote | abort | preview N`: a running gateway's canary rollout, through its
 * admin API (GET /__legate/rollout, POST /__legate/rollout/{promote,abort,preview}).
 */
import { ADMIN_HELP, ADMIN_OPTIONS, adminCall, adminTarget, replyError } from '../admin-client.ts'
import { HELP_OPTION, parse } from '../args.ts'
import type { Command } from '../command.ts'
import { EXIT, type ExitCode, UsageError } from '../exit-codes.ts'
import { formatMs } from '../format.ts'
import { paint, type Io } from '../io.ts'
import type { RolloutRecord, RolloutState } from '../../rollout/schema.ts'
import type { VersionFigures } from '../../rollout/judge.ts'

const NAME = 'rollout'

const pct = (part: number, total: number) => (total ? `${((part / total) * 100).toFixed(1)} %` : '-')

function figures(label: string, f: VersionFigures): string {
  const p99 = Number.isFinite(f.p99) ? `${Math.round(f.p99)} ms` : '-'
  return `  ${label} ${f.version}: ${f.total} requests, 5xx ${pct(f.upstream5xx + f.gateway5xx, f.total)}, 401/403 ${pct(f.authDenied, f.total)}, no route ${pct(f.noRoute, f.total)}, p99 ${p99}`
}

/** The human view of GET /rollout. */
export function describeRollout(body: { pointer: { version: number; rollout?: RolloutState } | null; rollout: RolloutRecord | null; next_judgement_at: string | null }, now: number): string[] {
  const lines: string[] = []
  const r = body.pointer?.rollout
  if (!body.pointer) return ['nothing is live yet.']
  if (r) {
    const weight = r.steps[r.step]
    const left = Date.parse(r.step_started_at) + r.bake - now
    lines.push(`rollout ${r.id}: canary version ${r.canary.version} at ${weight} % (step ${r.step + 1} of ${r.steps.length}: ${r.steps.join(' → ')} %), stable ${body.pointer.version}`)
    lines.push(`  ${left > 0 ? `this step has baked for ${formatMs(r.bake - left)} of ${formatMs(r.bake)}` : `baked; moves on at the next healthy judgement`}${body.next_judgement_at ? `; next judgement at ${body.next_judgement_at}` : ''}`)
    const g = r.guardrails
    lines.push(`  guardrails: 5xx +${g.max_5xx_increase * 100} %, 401/403 +${g.max_auth_denied_increase * 100} %, no route +${g.max_no_route_increase * 100} %, p99 ×${g.p99_max_ratio} and +${g.p99_min_increase} ms; verdicts after ${g.min_requests} canary requests (${g.min_route_requests} per route)`)
  } else lines.push(`no rollout is running; version ${body.pointer.version} is live.`)
  const rec = body.rollout
  if (!rec) return lines
  if (!r) lines.push(`last rollout ${rec.id}: canary ${rec.canary} of stable ${rec.stable}, ${rec.state.replace('_', ' ')}`)
  const j = rec.last_judgement
  if (j) {
    const v = j.verdict
    lines.push(`  last judgement ${j.at}: ${v.kind === 'trip' ? `TRIPPED: ${v.trip.detail}` : v.kind === 'insufficient' ? `waiting: ${v.detail}` : 'healthy'}`)
    lines.push(figures('canary', j.canary), figures('stable', j.stable))
  }
  lines.push('  events:')
  for (const e of rec.events) lines.push(`    ${e.at}  ${e.kind.padEnd(11)} ${String(e.weight).padStart(3)} %  ${e.reason}`)
  return lines
}

export const rolloutCommand: Command = {
  name: NAME,
  summary: 'watch, promote, abort or preview a canary rollout (legate push --canary) on a running gateway',
  help: `Usage: legate rollout status  [--url URL]
       legate rollout promote [--reason TEXT] [--url URL]
       legate rollout abort   [--reason TEXT] [--url URL]
       legate rollout preview <version> [--ttl 1h] [--url URL]

status    the running rollout (canary vs stable figures, guardrails, time to the next step, its events), or the
          last one and how it ended
promote   make the canary the stable version now
abort     end the rollout now: every request returns to stable within gateway.refresh_interval
preview   print a signed token (valid --ttl, at most 24h) that lets a request try <version> before it gets traffic:
            curl -H 'x-legate-config-version: <version>' -H 'x-legate-preview-token: <token>' …

${ADMIN_HELP}

Exit codes: 0 ok, 2 usage error, 3 gateway unreachable, 4 refused (no rollout running).`,

  async run(args, io): Promise<ExitCode> {
    const { values, positionals } = parse(NAME, args, { ...HELP_OPTION, ...ADMIN_OPTIONS, reason: { type: 'string' }, ttl: { type: 'string' } })
    if (values.help) {
      io.out(this.help)
      return EXIT.OK
    }
    const [action, ...rest] = positionals
    if (!action || !['status', 'promote', 'abort', 'preview'].includes(action)) throw new UsageError('say status, promote, abort or preview', NAME)
    if (action !== 'preview' && rest.length) throw new UsageError(`rollout ${action} takes no argument`, NAME)
    const admin = adminTarget(NAME, values.url)
    const c = paint(io)
    if (action === 'status') {
      const reply = await adminCall(admin, 'GET', '/rollout')
      if (reply.status !== 200) throw replyError(reply)
      io.record?.({ ...reply.body })
      for (const line of describeRollout(reply.body as Parameters<typeof describeRollout>[0], Date.now())) io.out(line)
      return EXIT.OK
    }
    if (action === 'preview') {
      if (rest.length !== 1 || !/^\d+$/.test(rest[0]!)) throw new UsageError('rollout preview takes one version number', NAME)
      const reply = await adminCall(admin, 'POST', '/rollout/preview', { version: Number(rest[0]), ...(values.ttl ? { ttl: values.ttl } : {}) })
      if (reply.status !== 200) throw replyError(reply)
      const b = reply.body
      io.record?.({ version: b.version, token: b.token, expires_at: b.expires_at })
      io.out(`preview token for version ${b.version}, valid until ${b.expires_at}:`)
      io.out(`  curl -H 'x-legate-config-version: ${b.version}' -H 'x-legate-preview-token: ${b.token}' ${admin.url}/`)
      return EXIT.OK
    }
    const reply = await adminCall(admin, 'POST', `/rollout/${action}`, values.reason ? { reason: values.reason } : {})
    if (reply.status !== 200) throw replyError(reply)
    io.record?.({ status: reply.body.status, version: reply.body.pointer.version, event: reply.body.event })
    io.out(`${c.green(reply.body.status)}: version ${reply.body.pointer.version} is stable (${reply.body.event.reason}).`)
    return EXIT.OK
  },
}
