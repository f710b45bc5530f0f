/** @module `legate import openapi SPEC`: an OpenAPI 3.0/3.1 description → a route table file. */
import { existsSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import $RefParser from '@apidevtools/json-schema-ref-parser'
import { Document, isCollection, visit } from 'yaml'
import { HELP_OPTION, parse } from '../../args.ts'
import type { Command } from '../../command.ts'
import { CliError, EXIT, UsageError, type ExitCode } from '../../exit-codes.ts'
import { paint, type Io } from '../../io.ts'
import { convert, type ImportOptions } from './convert.ts'

const NAME = 'import openapi'

const OPTIONS = {
  ...HELP_OPTION,
  cluster: { type: 'string' },
  host: { type: 'string' },
  'base-path': { type: 'string' },
  output: { type: 'string', short: 'o' },
  'allow-partial': { type: 'boolean' },
  'no-filter-entry': { type: 'boolean' },
  'validate-responses': { type: 'boolean' },
} as const

/** The table as YAML: block style, with short collections (a match, a scalar schema) on one line. */
export function toYaml(table: unknown): string {
  const doc = new Document(table, { aliasDuplicateObjects: false })
  visit(doc, {
    Node(_, node) {
      if (isCollection(node) && JSON.stringify(node.toJSON()).length <= 72) node.flow = true
    },
  })
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true })
}

/** Reads and bundles the spec: YAML or JSON, relative-file `$ref`s pulled in as local ones, no network. */
export async function loadSpec(file: string): Promise<unknown> {
  const path = resolve(file)
  if (!existsSync(path)) throw new UsageError(`${file}: no such file`, NAME)
  try {
    return await $RefParser.bundle(path, { resolve: { http: false } })
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`, EXIT.INVALID)
  }
}

function clusterOption(value: string | undefined): ImportOptions['cluster'] {
  if (value === undefined) return undefined
  const m = /^([A-Za-z0-9_.-]+)=(https?:\/\/.+)$/i.exec(value)
  if (!m) throw new UsageError(`--cluster ${JSON.stringify(value)}: expected NAME=URL, e.g. api=https://api.internal.example`, NAME)
  return { name: m[1]!, url: m[2]! }
}

export const importOpenapiCommand: Command = {
  name: 'openapi',
  summary: 'an OpenAPI 3.0/3.1 description → a route table (one route per operation, request validation)',
  help: `Usage: legate import openapi <spec.yaml|spec.json> [--cluster NAME=URL] [--host HOST] [--base-path PATH]
                              [-o FILE] [--allow-partial] [--no-filter-entry] [--validate-responses]

Writes a route table with one route per operation (method + path template), each forwarding to one cluster and
validating its parameters and JSON body with the openapi_validation filter. $refs to other files are followed.
Anything the description says that the table cannot express is listed with its JSON pointer (exit 1).

Options:
  --cluster NAME=URL   the cluster every operation forwards to (default: the first server's origin)
  --host HOST          the virtual host's domain (default "*")
  --base-path PATH     the path prefix of every route (default: the first server's path)
  -o, --output FILE    write the table there (default: stdout)
  --allow-partial      write the table even when something did not map (still listed, as warnings)
  --no-filter-entry    leave out http_filters (when another file of the table has that list: add
                       \`- name: openapi_validation\` to it)
  --validate-responses also write each operation's responses and check the upstream's answers against them
                       (response_validation: report: mismatches are counted and logged, never changed)
  -h, --help           show this help

See docs/import-openapi.md. Exit codes: 0 written, 1 something did not map (nothing written), 2 usage error.`,

  async run(args, io: Io): Promise<ExitCode> {
    const { values, positionals } = parse(NAME, args, OPTIONS)
    if (values.help) {
      io.out(this.help)
      return EXIT.OK
    }
    if (positionals.length !== 1) throw new UsageError('expected one OpenAPI file', NAME)
    const options: ImportOptions = { filterEntry: !values['no-filter-entry'] }
    const cluster = clusterOption(values.cluster)
    if (cluster) options.cluster = cluster
    if (values.host !== undefined) options.host = values.host
    if (values['base-path'] !== undefined) options.basePath = values['base-path']
    if (values['validate-responses']) options.responses = true
    const started = performance.now()
    const result = convert(await loadSpec(positionals[0]!), options)
    const c = paint(io)
    const partial = values['allow-partial'] === true
    for (const issue of result.issues) io.err(`${positionals[0]}#${issue.pointer}: ${partial ? c.yellow('warning') : c.red('error')}: ${issue.message}`)
    const ms = Math.round(performance.now() - started)
    io.record?.({ operations: result.operations, issues: result.issues, ms, ...(values.output ? { output: values.output } : {}) })
    if (result.issues.length > 0 && !partial) {
      io.err(c.red(`${result.issues.length} part(s) of ${positionals[0]} did not map: nothing was written. Fix them, or pass --allow-partial.`))
      return EXIT.INVALID
    }
    const yaml = `# Generated by \`legate import openapi ${positionals[0]}\`: change the description and import again.\n${toYaml(result.table)}`
    if (values.output) {
      writeFileSync(values.output, yaml)
      io.out(`${c.green('imported')}: ${result.operations} operations → ${values.output} (${ms} ms)`)
    } else if (io.record) io.record({ table: result.table })
    else io.out(yaml.trimEnd())
    return EXIT.OK
  },
}
