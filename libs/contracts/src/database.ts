import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * Where a service keeps its state: `$PORTCULLIS_DATA/<service>/<service>.db` (the local runner
 * points PORTCULLIS_DATA at `data/` beside `certs/`; compose mounts a volume per service there).
 */
export function databaseFile(service: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = resolve(env.PORTCULLIS_DATA ?? 'data', service);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, `${service}.db`);
}

/**
 * Opens a service's SQLite database with Node's built-in driver (`node:sqlite`: no native addon to
 * build, nothing to install, synchronous, so a check and its write cannot interleave with another
 * request) and brings its schema up to date. `migrations[i]` is version i + 1; each runs once, in
 * a transaction with the record of it.
 *
 * WAL with `synchronous = FULL`: a statement has reached the disk when it returns, so what a
 * service answered survives SIGKILL and power loss alike; readers (a test, an operator) never block
 * the writer.
 */
/** One schema change: SQL, or code for what SQL says badly (seed rows from typed constants). */
export type Migration = string | ((db: DatabaseSync) => void);

export function openDatabase(file: string, migrations: readonly Migration[]): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const row = db.prepare('SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations').get() as { version: number };
  for (let version = row.version + 1; version <= migrations.length; version++) {
    inTransaction(db, () => {
      const migration = migrations[version - 1]!;
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
    });
  }
  return db;
}

/** Runs `work` in one IMMEDIATE transaction: it takes the write lock first, so a read-then-write is atomic. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
