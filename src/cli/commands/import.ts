/** @module `legate import <format> …`: route tables from descriptions teams already keep; one subcommand per format. */
import type { Command } from '../command.ts'
import { EXIT, UsageError } from '../exit-codes.ts'
import { gatewayApiImport } from '../import/gateway-api/command.ts'
import { importOpenapiCommand } from '../import/openapi/command.ts'

/** One per source format; each lives in src/cli/import/<format>/. */
const FORMATS: readonly Command[] = [importOpenapiCommand, gatewayApiImport]
const names = FORMATS.map((f) => f.name).join(', ')

const help = `Usage: legate import <format> <file…> [options]

Formats:
${FORMATS.map((f) => `  ${f.name.padEnd(12)}  ${f.summary}`).join('\n')}

Run \`legate import <format> --help\` for its options.`

export const importCommand: Command = {
  name: 'import',
  summary: `write a route table from another description (${names})`,
  help,
  async run(args, io) {
    const [format, ...rest] = args
    if (format === '--help' || format === '-h') {
      io.out(help)
      return EXIT.OK
    }
    const f = FORMATS.find((x) => x.name === format)
    if (!f) throw new UsageError(format === undefined ? `name a format: ${names}` : `unknown import format "${format}"; formats: ${names}`, 'import')
    return f.run(rest, io)
  },
}
