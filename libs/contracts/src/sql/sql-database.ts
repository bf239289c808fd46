/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | null;

/** Statements, with `?` placeholders in both dialects (PostgreSQL's `$n` are written by its adapter). */
export interface SqlExecutor {
  all<T>(sql: string, ...params: SqlValue[]): Promise<T[]>;
  get<T>(sql: string, ...params: SqlValue[]): Promise<T | undefined>;
  /** Returns how many rows changed. */
  run(sql: string, ...params: SqlValue[]): Promise<number>;
}

/**
 * The one database interface every repository is written against: SQLite (a file, the default)
 * or PostgreSQL (`DATABASE_URL`). Repositories use the SQL both share, and `FOR UPDATE` where a
 * row read is followed by a write (SQLite's transactions take the whole database instead, and
 * its adapter drops the clause).
 */
export interface SqlDatabase extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgresql';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One schema change: SQL, or code for what SQL says badly (seed rows from typed constants). */
export type Migration = string | ((tx: SqlExecutor) => Promise<void>);

/** Brings the schema up to date: `migrations[i]` is version i + 1, each applied once, in a transaction with its record. */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[]): Promise<void> {
  await db.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  for (let version = 1; version <= migrations.length; version++) {
    await db.transaction(async (tx) => {
      // Read inside the transaction: two replicas starting at once apply each version once.
      if (await tx.get('SELECT version FROM schema_migrations WHERE version = ?', version)) return;
      const migration = migrations[version - 1]!;
      if (typeof migration === 'string') {
        for (const statement of migration.split(/;\s*$/m).filter((s) => s.trim())) await tx.run(statement);
      } else await migration(tx);
      await tx.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', version, new Date().toISOString());
    });
  }
}
