import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import type { SqlDatabase, SqlExecutor, SqlValue } from './sql-database';

/** `?` placeholders as PostgreSQL's `$1, $2, ...` (the repositories' SQL holds no literal `?`). */
const forPostgres = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

const executorOf = (client: Pool | PoolClient): SqlExecutor => ({
  all: async <T>(sql: string, ...params: SqlValue[]) => (await client.query(forPostgres(sql), params)).rows as T[],
  get: async <T>(sql: string, ...params: SqlValue[]) => (await client.query(forPostgres(sql), params)).rows[0] as T | undefined,
  run: async (sql: string, ...params: SqlValue[]) => (await client.query(forPostgres(sql), params)).rowCount ?? 0,
});

/**
 * The TLS of a connection to the database, from the service's own mesh identity: its certificate
 * (CN = the workload's name, which pg_hba's `cert` method maps to the user of that name) and key,
 * and the mesh bundle as the only root; the server's name is checked (`verify-full`).
 */
export function meshDatabaseTls(certsDir: string, service: string, host: string) {
  const file = (name: string) => readFileSync(join(certsDir, service, name), 'utf8');
  // An IP address is checked against the certificate's IP SANs; only a name goes in SNI.
  return { ca: file('ca.crt'), cert: file('tls.crt'), key: file('tls.key'), rejectUnauthorized: true, ...(isIP(host) ? {} : { servername: host }) };
}

/**
 * PostgreSQL, for those who outgrow a file: one pool per service, a transaction per checked-out
 * connection. Its connections are authenticated by the service's mesh certificate, never by a
 * password: the service's identity reaches the database too.
 */
/** pg is loaded only when a service is started with a `DATABASE_URL`: the SQLite default does not carry it in memory. */
function pg(): typeof import('pg') {
  return require('pg') as typeof import('pg');
}

export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgresql';
  private readonly pool: Pool;
  private readonly executor: SqlExecutor;

  constructor(url: string, service: string, certsDir: string) {
    const parsed = new URL(url);
    this.pool = new (pg().Pool)({
      host: parsed.hostname,
      port: Number(parsed.port || 5432),
      // The user is the workload (the certificate's CN); the database defaults to the user's name, as PostgreSQL's does.
      user: decodeURIComponent(parsed.username) || service,
      database: decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || service,
      ssl: meshDatabaseTls(certsDir, service, parsed.hostname),
      max: 10,
      connectionTimeoutMillis: 5_000,
    });
    this.executor = executorOf(this.pool);
  }

  all<T>(sql: string, ...params: SqlValue[]): Promise<T[]> {
    return this.executor.all<T>(sql, ...params);
  }
  get<T>(sql: string, ...params: SqlValue[]): Promise<T | undefined> {
    return this.executor.get<T>(sql, ...params);
  }
  run(sql: string, ...params: SqlValue[]): Promise<number> {
    return this.executor.run(sql, ...params);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(executorOf(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
