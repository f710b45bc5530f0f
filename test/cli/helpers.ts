/** @module Test helpers for the `legate` CLI: in-process runs with captured output, and real subprocess runs. */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, afterEach, beforeEach } from 'vitest'
import { main } from '../../src/cli/main.ts'
import type { Io } from '../../src/cli/io.ts'

export const ROOT = resolve(import.meta.dirname, '../..')
export const LEGATE_BIN = join(ROOT, 'bin/legate.mjs')
export const FAKE_WRANGLER = join(import.meta.dirname, 'fixtures/fake-wrangler.mjs')

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `legate <args>` in this process (fast): same code as the executable, output captured. */
export async function legate(...args: string[]): Promise<RunResult> {
  const out: string[] = []
  const err: string[] = []
  const stderr = { isTTY: false, write: (s: string) => err.push(s) } as unknown as NodeJS.WriteStream
  const io: Io = { out: (l) => out.push(`${l}\n`), err: (l) => err.push(`${l}\n`), stderr, color: false }
  const code = await main(args, io)
  return { code, stdout: out.join(''), stderr: err.join('') }
}

/** Runs the real executable `node bin/legate.mjs <args>` (exit codes, tsx registration, process env). */
export function legateProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [LEGATE_BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }))
  })
}

const created: string[] = []
// Registered while the importing test file is collected, so it runs after that file's tests.
afterAll(() => created.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

/** A fresh temp directory with the given files (paths relative to it), removed after the test file. */
export function tempFiles(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'legate-test-'))
  created.push(dir)
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), content)
  }
  return dir
}

/** A small valid table: one cluster, one virtual host. */
export const MINIMAL = `clusters:
  - name: users
    endpoints: [{ url: "http://127.0.0.1:9001" }]
virtual_hosts:
  - name: api
    domains: ["*"]
    routes:
      - name: hello
        match: { exact: /hello }
        direct_response: { status: 200, body: "hi" }
`

/**
 * Runs `fn` in a project whose wrangler.toml defines the environments `envs` (`--env` must name one: issue 14),
 * then returns to the previous working directory.
 */
export async function inProjectWithEnvs<T>(envs: readonly string[], fn: () => Promise<T>): Promise<T> {
  const project = tempFiles({ 'wrangler.toml': ['name = "x"', ...envs.map((e) => `[env.${e}]\nname = "x-${e}"`)].join('\n') })
  const cwd = process.cwd()
  process.chdir(project)
  try {
    return await fn()
  } finally {
    process.chdir(cwd)
  }
}

/**
 * Routes every wrangler call of the test file's tests to the fake wrangler (fixtures/fake-wrangler.mjs), with a
 * fresh directory per test for its argv log and KV store. Call at the top of a test file.
 */
export function useFakeWrangler(files: () => Record<string, string> = () => ({})) {
  let dir = ''
  const log = () => join(dir, 'argv.jsonl')
  const kvFile = () => join(dir, 'kv.json')
  beforeEach(() => {
    dir = tempFiles(files())
    process.env.LEGATE_WRANGLER = FAKE_WRANGLER
    process.env.FAKE_WRANGLER_LOG = log()
    process.env.FAKE_WRANGLER_KV = kvFile()
  })
  afterEach(() => {
    for (const k of ['LEGATE_WRANGLER', 'FAKE_WRANGLER_LOG', 'FAKE_WRANGLER_KV', 'FAKE_WRANGLER_FAIL', 'FAKE_WRANGLER_SECRETS', 'FAKE_WRANGLER_NAMESPACES']) delete process.env[k]
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    /** This test's directory (its files, the argv log and the fake KV). */
    dir: () => dir,
    /** Every wrangler invocation so far, with temp file paths replaced by <file>. */
    calls: (): string[] =>
      existsSync(log())
        ? readFileSync(log(), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as string[]).map((a) => (/\/legate-[A-Za-z0-9]{6}\/(keys|value)\.json$/.test(a) ? '<file>' : a)).join(' '))
        : [],
    /** The fake KV's contents. */
    kv: () => (existsSync(kvFile()) ? (JSON.parse(readFileSync(kvFile(), 'utf8')) as Record<string, { value: string; metadata?: unknown }>) : {}),
  }
}
