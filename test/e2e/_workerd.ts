/**
 * @module The gateway in workerd with nothing in front of it, for raw-socket tests: src/worker.ts bundled as
 * wrangler bundles it, run by Miniflare with wrangler.toml's options on a direct socket (no entry Worker, no
 * wrangler dev proxy), its KV seeded with a route table as `legate push` writes it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'
import { WORKER_BUNDLE } from '../../bench/worker-bundle.mjs'
import { toRecords } from '../../src/config/publish.ts'

const ROOT = resolve(import.meta.dirname, '../..')

export interface WorkerdGateway {
  /** `http://127.0.0.1:<port>`: workerd's own HTTP server, straight into the gateway's fetch. */
  origin: string
  port: number
  /** What workerd printed (the gateway's console lines). */
  log: string[]
  close(): Promise<void>
}

/** Bundles src/worker.ts, starts it in workerd and pushes `table` to its CONFIG namespace. */
export async function startWorkerdGateway(table: unknown): Promise<WorkerdGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'legate-workerd-'))
  const script = join(dir, 'legate.js')
  await build({ entryPoints: [join(ROOT, 'src/worker.ts')], outfile: script, ...WORKER_BUNDLE })
  // Without wrangler.toml's [assets] (the dashboard page): Miniflare would put its assets router Worker in front,
  // and these tests are about the gateway's own handling of what reaches it (/__legate/ui answers 404 here).
  const { assets: _dashboard, ...base } = unstable_getMiniflareWorkerOptions(join(ROOT, 'wrangler.toml')).workerOptions
  const log: string[] = []
  // Miniflare keeps scratch files in os.tmpdir(): point it into our directory so close() removes them.
  const savedTmp = process.env.TMPDIR
  process.env.TMPDIR = dir
  let mf: Miniflare
  try {
    mf = new Miniflare({
      workers: [
        {
          ...(base as object),
          name: 'legate',
          modules: true,
          scriptPath: script,
          modulesRoot: dir,
          bindings: { ADMIN_TOKEN: 'corpus-admin-token' },
          stripCfConnectingIp: false,
          unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
        },
      ],
      handleRuntimeStdio(stdout: Readable, stderr: Readable) {
        for (const s of [stdout, stderr]) s.on('data', (d: Buffer) => log.push(...String(d).split('\n').filter(Boolean)))
      },
    })
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = savedTmp
  }
  await mf.ready.catch(async (e: Error) => {
    await mf.dispose().catch(() => {})
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`${e.message}\n${log.join('\n')}`)
  })
  const { key, value, metadata, pointer } = await toRecords(table, 1, 'corpus')
  const kv = await mf.getKVNamespace('CONFIG', 'legate')
  await kv.put(key, value, { metadata })
  await kv.put('config/current', JSON.stringify(pointer))
  const url = await mf.unsafeGetDirectURL('legate')
  return {
    origin: url.origin,
    port: Number(url.port),
    log,
    async close() {
      await mf.dispose()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
