/** @module The stock Worker entry (wrangler.toml `main`): the gateway with the built-in filters, and its Durable Objects. */
import type { Env } from './env.ts'
import { createGateway } from './gateway.ts'

export * from './durable-objects.ts'

const gateway = createGateway()

export default { fetch: gateway.fetch } satisfies ExportedHandler<Env>
