/** @module What `wrangler dev` would read as ADMIN_TOKEN locally: .dev.vars.<env> when it exists, else .dev.vars. */
import { existsSync, readFileSync } from 'node:fs'

/** The text after `ADMIN_TOKEN=` (trimmed, quotes kept), or undefined when no such file sets it. */
export function devVarsAdminToken(env?: string): string | undefined {
  const file = [env && `.dev.vars.${env}`, '.dev.vars'].find((f): f is string => Boolean(f) && existsSync(f as string))
  return file === undefined ? undefined : /^\s*ADMIN_TOKEN\s*=\s*(\S.*?)\s*$/m.exec(readFileSync(file, 'utf8'))?.[1]
}
