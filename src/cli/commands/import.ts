/** @module `legate import <format> …`: route tables from descriptions teams already keep. */
import type { Command } from '../command.ts'
import { EXIT, UsageError } from '../exit-codes.ts'
import { importOpenapiCommand } from '../import/openapi/command.ts'

/** One per source format; each lives in src/cli/import/<format>/. */
const IMPORTERS: readonly Command[] = [importOpenapiCommand]

const help = `Usage: legate import <format> <file…> [options]

Formats:
${IMPORTERS.map((c) => `  ${c.name.padEnd(12)}  ${c.summary}`).join('\n')}

Run \`legate import <format> --help\` for its options.`

export const importCommand: Command = {
  name: 'import',
  summary: 'write a route table from an OpenAPI description',
  help,
  async run(args, io) {
    const [format, ...rest] = args
    if (format === '--help' || format === '-h') {
      io.out(help)
      return EXIT.OK
    }
    const importer = IMPORTERS.find((c) => c.name === format)
    if (!importer) throw new UsageError(format === undefined ? `name a format: ${IMPORTERS.map((c) => c.name).join(', ')}` : `unknown format "${format}"; formats: ${IMPORTERS.map((c) => c.name).join(', ')}`, 'import')
    return importer.run(rest, io)
  },
}
