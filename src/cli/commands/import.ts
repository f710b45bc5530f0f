/** @module `legate import <format> …`: route tables from descriptions teams already keep; one subcommand per format. */
import type { Command } from '../command.ts'
import { EXIT, UsageError } from '../exit-codes.ts'
import { gatewayApiImport } from '../import/gateway-api/command.ts'

const FORMATS: readonly Command[] = [gatewayApiImport]

export const importCommand: Command = {
  name: 'import',
  summary: 'write a route table from another description (gateway-api)',
  get help() {
    return `Usage: legate import <format> … (see \`legate import <format> --help\`)

Formats:
${FORMATS.map((f) => `  ${f.name.padEnd(12)}  ${f.summary}`).join('\n')}`
  },
  async run(args, io) {
    const [format, ...rest] = args
    if (format === undefined || format === '--help' || format === '-h') {
      io[format === undefined ? 'err' : 'out'](this.help)
      return format === undefined ? EXIT.USAGE : EXIT.OK
    }
    const f = FORMATS.find((x) => x.name === format)
    if (!f) throw new UsageError(`unknown import format "${format}"; formats: ${FORMATS.map((x) => x.name).join(', ')}`, 'import')
    return f.run(rest, io)
  },
}
