/** @module `legate cache purge`: invalidates cached responses through a running gateway's admin API. */
import { ADMIN_HELP, ADMIN_OPTIONS, adminCall, adminTarget, replyError } from '../admin-client.ts'
import { HELP_OPTION, parse } from '../args.ts'
import type { Command } from '../command.ts'
import { EXIT, type ExitCode, UsageError } from '../exit-codes.ts'

const NAME = 'cache'

interface PurgeAnswer {
  urls: { url: string; route: string | null; deleted: boolean; reason?: string }[]
  generations?: { global: number; routes: Record<string, number> }
}

export const cacheCommand: Command = {
  name: NAME,
  summary: 'purge cached responses by URL, by route (generation) or all of them',
  help: `Usage: legate cache purge URL... [--header NAME:VALUE]... [--identity ID]
       legate cache purge --route NAME | --all
       [--url URL]

Talks to the gateway's admin API (POST /__legate/cache/purge); the Cache API lives in the Worker.

  URL...               delete these entries (absolute URLs as clients request them). The Cache API is per data
                       center: this deletes them where the admin request lands. Use --route or --all to reach
                       every data center.
  --header NAME:VALUE  the request header (or cookie) values of the variant to delete, for routes whose cache
                       key includes headers or cookies (repeatable)
  --identity ID        the identity of a per-identity entry (the JWT subject)
  --route NAME         raise the route's cache generation: all its entries become unreachable everywhere
  --all                raise the global generation: every entry becomes unreachable everywhere
  -h, --help           show this help

${ADMIN_HELP}

Generations reach other isolates within seconds plus KV propagation (up to ~60 s in other locations).

Exit codes: 0 ok, 1 the gateway refused the request as invalid, 2 usage error, 3 gateway unreachable or failing.`,

  async run(args, io): Promise<ExitCode> {
    const { values, positionals } = parse(NAME, args, {
      ...HELP_OPTION,
      header: { type: 'string', multiple: true },
      identity: { type: 'string' },
      route: { type: 'string' },
      all: { type: 'boolean' },
      ...ADMIN_OPTIONS,
    })
    if (values.help) {
      io.out(this.help)
      return EXIT.OK
    }
    const [sub, ...urls] = positionals
    if (sub !== 'purge') throw new UsageError(sub === undefined ? 'name a subcommand: purge' : `unknown subcommand "${sub}"; known: purge`, NAME)
    if (!urls.length && values.route === undefined && !values.all) throw new UsageError('name URLs to purge, --route NAME or --all', NAME)
    const headers: Record<string, string> = {}
    for (const h of values.header ?? []) {
      const i = h.indexOf(':')
      if (i <= 0) throw new UsageError(`--header ${JSON.stringify(h)}: expected NAME:VALUE`, NAME)
      headers[h.slice(0, i).trim()] = h.slice(i + 1).trim()
    }
    const target = adminTarget(NAME, values.url)
    const body = {
      ...(urls.length ? { urls } : {}),
      ...(Object.keys(headers).length ? { headers } : {}),
      ...(values.identity !== undefined ? { identity: values.identity } : {}),
      ...(values.route !== undefined ? { route: values.route } : {}),
      ...(values.all ? { all: true as const } : {}),
    }
    const reply = await adminCall(target, 'POST', '/cache/purge', body)
    if (reply.status !== 200) throw replyError(reply)
    const answer = reply.body as PurgeAnswer
    io.record?.({ gateway: target.url, ...answer })
    for (const u of answer.urls) io.out(u.deleted ? `purged   ${u.url} (route ${u.route})` : `not cached ${u.url}${u.reason ? `: ${u.reason}` : ''}`)
    if (answer.generations) {
      const g = answer.generations
      io.out(`generations: global ${g.global}${Object.keys(g.routes).length ? `, ${Object.entries(g.routes).map(([r, n]) => `${r} ${n}`).join(', ')}` : ''}`)
    }
    return EXIT.OK
  },
}
