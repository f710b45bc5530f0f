/** @module Debian Chromium for browser tests: found, or installed with apt-get when missing (root only). */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export const INSTALL_TIMEOUT_MS = 900_000
const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser']
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** The Chromium binary, installed with apt-get (Debian package `chromium`) when missing. */
export function ensureChromium(): string {
  const found = () => CHROMIUM_PATHS.find((p) => existsSync(p))
  if (found()) return found()!
  if (process.getuid?.() !== 0) throw new Error('Chromium is missing and this test is not running as root: install it first (`apt-get install -y chromium`).')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000, env })
  execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'ignore', timeout: 600_000, env })
  if (!found()) throw new Error('apt-get install chromium succeeded but no chromium binary was found')
  return found()!
}
