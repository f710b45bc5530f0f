#!/usr/bin/env node
/**
 * @module Bundle size (issue 15): builds the Worker exactly as `wrangler deploy` would (`--dry-run --outdir`, with
 * wrangler.toml's own settings) and measures what would be uploaded. Used by bench/run.mjs (the `bundle` entry of
 * bench/results.json) and by test/node/bundle-size.test.ts (the CI limit).
 *
 *   node bench/bundle-size.mjs            print the figures
 *   node bench/bundle-size.mjs --write    also replace the `bundle` entry of bench/results.json
 */
import { execFile, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import zlib from 'node:zlib'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * CI fails when the gzip size of the uploaded Worker passes this. Issue 15 asked for 150 KiB; re2js alone is 46 KiB
 * of gzip and zod 27 KiB. The cuts of issue 15 took the build to 155.2 KiB; canary rollouts, request mirroring, the
 * openapi_validation filter (with @cfworker/json-schema) and the cache filter then added 21.4 KiB (176.6 KiB), and
 * the next round 5.2 KiB (181.6 KiB: sealed versions and lazy route compile +2.0, openapi_validation's fast path and
 * response validation +2.1, cache revalidation and invalidation the rest). The limit leaves 2.4 KiB
 * (docs/performance.md "Bundle size": each feature's share, and what getting to 150 takes).
 */
export const BUNDLE_GZIP_LIMIT_BYTES = 184 * 1024

/** As src/cli/wrangler.ts OFFLINE_ENV: no metrics, no update check, no colour. */
const OFFLINE_ENV = { WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false', FORCE_COLOR: '0', NO_COLOR: '1' }

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')

/** The top-level settings of a wrangler.toml that decide the output (`true`/`false` keys before the first table). */
function buildSettings(toml) {
  const top = toml.split(/^\[/m)[0]
  const flag = (key) => {
    const m = top.match(new RegExp(`^${key}\\s*=\\s*(true|false)`, 'm'))
    return m ? m[1] === 'true' : null
  }
  // wrangler's defaults when the key is absent: minify false, keep_names true, upload_source_maps false.
  return { minify: flag('minify') ?? false, keep_names: flag('keep_names') ?? true, upload_source_maps: flag('upload_source_maps') ?? false }
}

/** Bytes in the output per package (node_modules/<name>) or per top-level source folder, largest first. */
function contributors(metafile) {
  const out = Object.values(metafile.outputs).find((o) => o.entryPoint)
  const by = {}
  for (const [file, { bytesInOutput }] of Object.entries(out?.inputs ?? {})) {
    const nm = file.lastIndexOf('node_modules/')
    let key
    if (nm >= 0) {
      const parts = file.slice(nm + 'node_modules/'.length).split('/')
      key = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
    } else key = file.split('/').slice(0, 2).join('/')
    by[key] = (by[key] ?? 0) + bytesInOutput
  }
  return Object.fromEntries(Object.entries(by).sort((a, b) => b[1] - a[1]))
}

/**
 * Builds with `wrangler deploy --dry-run --outdir <temp>` and measures the modules wrangler would upload.
 * gzip_bytes is computed as wrangler's own "Total Upload" line does (zlib at its default level over every module,
 * source maps excluded), so the two agree; `wrangler_reported` is that line, for the record.
 * @param {{ root?: string, config?: string }} [opts] project root (default this repo) and wrangler config (default wrangler.toml)
 */
export async function measureBundle({ root = ROOT, config = 'wrangler.toml' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'legate-bundle-'))
  try {
    const wrangler = createRequire(path.join(root, 'package.json')).resolve('wrangler/bin/wrangler.js')
    const outdir = path.join(dir, 'out')
    const metafilePath = path.join(dir, 'meta.json')
    const args = [wrangler, 'deploy', '--dry-run', '--config', config, '--outdir', outdir, '--metafile', metafilePath]
    const run = promisify(execFile)(process.execPath, args, { cwd: root, env: { ...process.env, ...OFFLINE_ENV }, maxBuffer: 16 << 20 })
    const { stdout } = await run.catch((e) => {
      throw new Error(`wrangler deploy --dry-run failed (${e.code ?? e.signal}):\n${stripAnsi(`${e.stdout ?? ''}${e.stderr ?? ''}`).trim()}`)
    })
    const modules = fs.readdirSync(outdir).filter((f) => /\.(m?js|cjs|wasm|bin|txt|html)$/.test(f) && f !== 'README.md')
    const contents = modules.map((f) => fs.readFileSync(path.join(outdir, f)))
    const all = Buffer.concat(contents)
    return {
      raw_bytes: all.length,
      gzip_bytes: zlib.gzipSync(all).length,
      limit_gzip_bytes: BUNDLE_GZIP_LIMIT_BYTES,
      modules,
      wrangler_reported: stdout.match(/Total Upload: ([^\n]+)/)?.[1]?.trim() ?? null,
      settings: buildSettings(fs.readFileSync(path.join(root, config), 'utf8')),
      by_package_bytes: contributors(JSON.parse(fs.readFileSync(metafilePath, 'utf8'))),
      how: 'wrangler deploy --dry-run --outdir (wrangler.toml settings); gzip = zlib default level over the uploaded modules, as wrangler reports it',
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** "503,142 bytes (491.4 KiB)". */
export const formatBytes = (n) => `${n.toLocaleString('en-US')} bytes (${(n / 1024).toFixed(1)} KiB)`

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bundle = await measureBundle()
  console.log(`raw ${formatBytes(bundle.raw_bytes)}, gzip ${formatBytes(bundle.gzip_bytes)} (limit ${formatBytes(BUNDLE_GZIP_LIMIT_BYTES)})`)
  console.log(`wrangler: ${bundle.wrangler_reported}; settings ${JSON.stringify(bundle.settings)}`)
  for (const [k, v] of Object.entries(bundle.by_package_bytes).slice(0, 12)) console.log(`  ${String(v).padStart(8)}  ${k}`)
  if (process.argv.includes('--write')) {
    const file = path.join(ROOT, 'bench', 'results.json')
    const results = JSON.parse(fs.readFileSync(file, 'utf8'))
    let revision = null
    try {
      const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
      revision = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src', 'durable', 'wrangler.toml', 'package-lock.json') ? '+uncommitted' : ''}`
    } catch {}
    results.bundle = { ...bundle, revision, measured_at: new Date().toISOString() }
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
    console.log(`wrote the bundle entry of ${path.relative(process.cwd(), file)}`)
  }
}
