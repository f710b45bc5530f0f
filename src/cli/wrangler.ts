/**
 * @module Runs wrangler as a child process. `LEGATE_WRANGLER` replaces the executable (tests use a fake that
 * records its argv). The environment turns off everything that phones home: telemetry, the update check and
 * the Request.cf download, so local commands work offline.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { KvError } from './exit-codes.ts'

/** Environment for every wrangler child (also used by `npm start` for `wrangler dev`). */
export const OFFLINE_ENV: Readonly<Record<string, string>> = {
  WRANGLER_SEND_METRICS: 'false',
  /** Skips the banner and with it the npm update check. */
  WRANGLER_HIDE_BANNER: 'true',
  /** Miniflare otherwise downloads https://workers.cloudflare.com/cf.json for `request.cf`. */
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  FORCE_COLOR: '0',
  NO_COLOR: '1',
}

/** The command that runs wrangler: `node <wrangler.js>` by default, or `$LEGATE_WRANGLER`. */
export function wranglerCommand(): { file: string; args: string[] } {
  const custom = process.env.LEGATE_WRANGLER
  if (custom) return /\.[cm]?js$/.test(custom) ? { file: process.execPath, args: [custom] } : { file: custom, args: [] }
  const bin = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js')
  return { file: process.execPath, args: [bin] }
}

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')

/** The lines of wrangler's stderr worth showing: errors and warnings, without decoration and log-file notes. */
function explain(stderr: string, stdout: string): string[] {
  const lines = stripAnsi(`${stderr}\n${stdout}`)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('🪵') && !/^Logs were written/.test(l))
  return lines.slice(-8).map((l) => `  wrangler: ${l}`)
}

/**
 * Runs `wrangler <args>` and resolves with its stdout.
 * @throws KvError when wrangler cannot start or exits non-zero (its error lines are included as hints).
 */
export function runWrangler(args: readonly string[]): Promise<string> {
  const { file, args: prefix } = wranglerCommand()
  const shown = `wrangler ${args.join(' ')}`
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...prefix, ...args], {
      env: { ...process.env, ...OFFLINE_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', (e) => reject(new KvError(`cannot run wrangler (${file}): ${e.message}`, ['Is wrangler installed (npm ci)? Is LEGATE_WRANGLER set to a wrong path?'])))
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(stdout)
      reject(new KvError(`${shown} failed (${signal ?? `exit ${code}`})`, explain(stderr, stdout)))
    })
  })
}
