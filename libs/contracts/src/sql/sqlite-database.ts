import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SqlDatabase, SqlExecutor, SqlValue } from './sql-database';

/** SQLite locks the whole database for a write transaction: a row lock clause means nothing to it. */
const forSqlite = (sql: string): string => sql.replace(/\s+FOR UPDATE\b/gi, '');

/**
 * SQLite through Node's built-in driver (`node:sqlite`): no native addon to build, no server.
 * WAL with `synchronous = FULL`: a statement has reached the disk when it returns, so what a
 * service answered survives SIGKILL and power loss alike; readers (an auditor, a test) never
 * block the writer. One connection, so transactions take turns: each waits for the one before
 * to commit, and a statement outside a transaction is a transaction of its own.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite';
  private readonly db: DatabaseSync;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly executor: SqlExecutor;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
    const db = this.db;
    this.executor = {
      all: async <T>(sql: string, ...params: SqlValue[]) => db.prepare(forSqlite(sql)).all(...params) as T[],
      get: async <T>(sql: string, ...params: SqlValue[]) => db.prepare(forSqlite(sql)).get(...params) as T | undefined,
      run: async (sql: string, ...params: SqlValue[]) => Number(db.prepare(forSqlite(sql)).run(...params).changes),
    };
  }

  all<T>(sql: string, ...params: SqlValue[]): Promise<T[]> {
    return this.transaction((tx) => tx.all<T>(sql, ...params));
  }
  get<T>(sql: string, ...params: SqlValue[]): Promise<T | undefined> {
    return this.transaction((tx) => tx.get<T>(sql, ...params));
  }
  run(sql: string, ...params: SqlValue[]): Promise<number> {
    return this.transaction((tx) => tx.run(sql, ...params));
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const turn = this.queue.then(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.executor);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  async close(): Promise<void> {
    await this.queue;
    this.db.close();
  }
}
