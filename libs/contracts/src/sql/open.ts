import { join, resolve } from 'node:path';
import { PostgresDatabase } from './postgres-database';
import { migrate, type Migration, type SqlDatabase } from './sql-database';
import { SqliteDatabase } from './sqlite-database';

/** Where a service keeps its SQLite file: `$PORTCULLIS_DATA/<service>/<service>.db` (`data/` beside `certs/` locally, a volume in compose). */
export function databaseFile(service: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(resolve(env.PORTCULLIS_DATA ?? 'data', service), `${service}.db`);
}

/**
 * The service's database, its schema brought up to date: PostgreSQL when `DATABASE_URL` is set
 * (`postgresql://host:port[/database]`; user and database default to the service's name, and the
 * connection is authenticated by the service's mesh certificate from PORTCULLIS_CERTS), otherwise
 * SQLite in the data folder.
 */
export async function openServiceDatabase(service: string, migrations: readonly Migration[], env: NodeJS.ProcessEnv = process.env): Promise<SqlDatabase> {
  const url = env.DATABASE_URL;
  const db = url ? new PostgresDatabase(url, service, resolve(env.PORTCULLIS_CERTS ?? 'certs')) : new SqliteDatabase(databaseFile(service, env));
  try {
    await migrate(db, migrations);
  } catch (error) {
    await db.close().catch(() => undefined);
    const where = url ? `PostgreSQL at ${new URL(url).host}` : databaseFile(service, env);
    throw new Error(`${service}: cannot open its database (${where}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return db;
}
