/** Vitest global setup for the `workers` project: starts real upstream servers and provides their origins. */
import type { TestProject } from 'vitest/node'
import { startUpstreams } from './upstreams.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    upstreams: { echo: [string, string, string]; refused: string }
  }
}

export default async function setup(project: TestProject) {
  const upstreams = await startUpstreams()
  project.provide('upstreams', { echo: upstreams.echo, refused: upstreams.refused })
  return () => upstreams.close()
}
