/**
 * @module Bundle-size budget (issue 15): the Worker as `wrangler deploy` would upload it (wrangler.toml's own
 * settings) must stay under BUNDLE_GZIP_LIMIT_BYTES gzipped. docs/performance.md "Bundle size" says why the limit is
 * what it is and what to do when this fails.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BUNDLE_GZIP_LIMIT_BYTES, formatBytes, measureBundle } from '../../bench/bundle-size.mjs'
import { ROOT } from '../cli/helpers.ts'

describe('worker bundle', () => {
  it(`uploads at most ${BUNDLE_GZIP_LIMIT_BYTES / 1024} KiB gzipped, minified without keep_names, with source maps`, { timeout: 120_000 }, async () => {
    const b = await measureBundle()
    const top = Object.entries(b.by_package_bytes)
      .slice(0, 8)
      .map(([k, v]) => `${k} ${(v / 1024).toFixed(1)} KiB`)
      .join(', ')
    console.log(`worker bundle: raw ${formatBytes(b.raw_bytes)}, gzip ${formatBytes(b.gzip_bytes)}; limit ${formatBytes(BUNDLE_GZIP_LIMIT_BYTES)} gzip (wrangler: ${b.wrangler_reported})\n  largest (minified): ${top}`)
    expect(b.settings, 'wrangler.toml: the size budget assumes minify = true, keep_names = false and source maps to map stack traces back').toEqual({ minify: true, keep_names: false, upload_source_maps: true })
    expect(b.modules, 'the dashboard page is a static asset ([assets]), not a module of the Worker').toEqual(['worker.js'])
    if (b.gzip_bytes > BUNDLE_GZIP_LIMIT_BYTES)
      expect.fail(
        `the Worker uploads ${formatBytes(b.gzip_bytes)} gzipped, over the ${formatBytes(BUNDLE_GZIP_LIMIT_BYTES)} budget. ` +
          `Largest parts: ${top}. See docs/performance.md "Bundle size" before raising BUNDLE_GZIP_LIMIT_BYTES in bench/bundle-size.mjs.`
      )
  })

  it('keeps every error name without keep_names: each Error subclass in src/ and durable/ sets its own `name`', () => {
    const files = ['src', 'durable'].flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)))
    const classes = files.flatMap((f) => {
      const text = readFileSync(join(ROOT, f), 'utf8')
      return [...text.matchAll(/class (\w+) extends (?:\w+)?Error\b[^{]*\{([^]*?)\n\}/g)].map((m) => ({ at: `${f}: ${m[1]}`, named: m[2]!.includes(`name = '${m[1]}'`) }))
    })
    expect(classes.length).toBeGreaterThanOrEqual(4)
    expect(classes.filter((c) => !c.named).map((c) => c.at), 'add `override readonly name = \'<ClassName>\'`: minified, the constructor name is one letter').toEqual([])
  })
})
