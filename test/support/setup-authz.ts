/** Vitest global setup for the workers project: the authz test server(s) on 127.0.0.1 (filled in by its feature). */
import type { TestProject } from 'vitest/node'

export default async function setup(_project: TestProject) {
  return () => {}
}
