/** This project's Worker (wrangler.toml `main`): Legate with its own filters, and Legate's Durable Objects. */
import { createGateway } from 'legate'
import { filters } from './filters.ts'

export * from 'legate/durable-objects'

const gateway = createGateway({ filters })

export default { fetch: gateway.fetch }
