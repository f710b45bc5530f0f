/** @module The Worker's bindings. Service-binding endpoints name further bindings (Fetchers) at run time. */
export interface Env {
  /** Workers KV namespace holding config versions and the live pointer. */
  CONFIG: KVNamespace
  /** Admin API bearer token; empty or unset turns the admin API off. */
  ADMIN_TOKEN?: string
  [binding: string]: unknown
}
