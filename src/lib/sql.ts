/**
 * @module The one SQL helper of the Durable Objects (Stats, Recorder, RateLimiter, ClusterHealth): parameterised `?` bindings, typed rows,
 * numbered idempotent migrations, and failures wrapped in a `SqlError` that carries the query.
 */

/** A failed statement, with the query that failed (never the bound values: they may hold request data). */
export class SqlError extends Error {
  override readonly name = 'SqlError'
  constructor(
    message: string,
    readonly query: string
  ) {
    super(`${message} (in: ${query.replace(/\s+/g, ' ').trim().slice(0, 200)})`)
  }
}

type Row = Record<string, SqlStorageValue>

/** Runs one statement and returns its rows. */
export function exec<R extends Row = Row>(sql: SqlStorage, query: string, ...params: SqlStorageValue[]): R[] {
  try {
    return sql.exec<R>(query, ...params).toArray()
  } catch (e) {
    throw new SqlError((e as Error).message, query)
  }
}

/**
 * Applies migrations not yet applied, in order. Each entry is one version; versions are append-only and every
 * statement is idempotent (`IF NOT EXISTS`), so a retried constructor is harmless.
 */
export function migrate(sql: SqlStorage, migrations: readonly string[]): void {
  exec(sql, 'CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)')
  const current = exec<{ v: number | null }>(sql, 'SELECT MAX(version) AS v FROM _schema')[0]?.v ?? 0
  for (let v = current; v < migrations.length; v++) {
    for (const statement of migrations[v]!.split(';').map((s) => s.trim()).filter(Boolean)) exec(sql, statement)
    exec(sql, 'INSERT INTO _schema (version) VALUES (?)', v + 1)
  }
}
