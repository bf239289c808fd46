import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqlDatabase, SqlExecutor, SqlValue } from './sql-database';
import { WalSync } from './wal-sync';

/** SQLite locks the whole database for a write transaction: a row lock clause means nothing to it. */
const forSqlite = (sql: string): string => sql.replace(/\s+FOR UPDATE\b/gi, '');

/** A transaction waiting for its turn, and how to tell its caller once it is on disk. */
interface Queued {
  readonly work: (tx: SqlExecutor) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * SQLite through Node's built-in driver (`node:sqlite`): no native addon to build, no server.
 * WAL, readers (an auditor, a test) never block the writer. One connection, so transactions take
 * turns, and a statement outside a transaction is a transaction of its own.
 *
 * Durable before answered, without stopping the event loop for the disk:
 * - group commit: the transactions asked for in one turn of the event loop run together in one
 *   SQLite transaction, each inside a savepoint of its own (one that throws is rolled back alone),
 *   and share one commit;
 * - the log's sync (`synchronous = FULL` would do it inside COMMIT, on this thread) is done by
 *   `WalSync` in libuv's thread pool, shared by every commit made while the previous one ran.
 * Each caller hears of its transaction only once a sync made after its commit has finished, so
 * what a service answered survives SIGKILL and power loss alike. A read waits the same way for
 * what it may have seen.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite';
  private readonly db: DatabaseSync;
  /** Prepared once per SQL text: preparing costs as much as running a small statement. */
  private readonly statements = new Map<string, StatementSync>();
  private readonly executor: SqlExecutor;
  private readonly wal: WalSync;
  private readonly changes: StatementSync;
  private waiting: Queued[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    this.db = new DatabaseSync(file);
    // NORMAL: COMMIT writes the log without syncing it; WalSync syncs it before anyone is told.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    this.wal = new WalSync(`${file}-wal`);
    this.changes = this.db.prepare('SELECT total_changes() AS n');
    this.executor = {
      all: async <T>(sql: string, ...params: SqlValue[]) => this.statement(sql).all(...params) as T[],
      get: async <T>(sql: string, ...params: SqlValue[]) => this.statement(sql).get(...params) as T | undefined,
      run: async (sql: string, ...params: SqlValue[]) => Number(this.statement(sql).run(...params).changes),
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
    if (this.closed) return Promise.reject(new Error('the database is closed'));
    // After a failed sync, what the disk holds is unknown: change nothing more on top of it.
    if (this.wal.failed) return Promise.reject(this.wal.failed);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // After this turn's I/O callbacks, so that every transaction they ask for joins the group.
      if (this.waiting.length === 1 && !this.flushing) setImmediate(() => void this.flush());
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing || this.waiting.length > 0) await (this.flushing ?? this.flush());
    await this.wal.close();
    this.db.close();
  }

  private statement(sql: string): StatementSync {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(forSqlite(sql));
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  /** Runs every waiting transaction in one SQLite transaction, then settles their callers. */
  private flush(): Promise<void> {
    // One group at a time (a transaction's work may await real I/O): this one's end starts the next.
    if (this.flushing) return this.flushing;
    const group = this.waiting;
    this.waiting = [];
    if (group.length === 0) return Promise.resolve();
    const done = this.commitGroup(group).finally(() => {
      this.flushing = null;
      // Transactions asked for while this group ran (a step awaiting its last one) form the next.
      if (this.waiting.length > 0) setImmediate(() => void this.flush());
    });
    this.flushing = done;
    return done;
  }

  private async commitGroup(group: readonly Queued[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const changedBefore = this.totalChanges();
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      for (const queued of group) queued.reject(error);
      return;
    }
    for (const queued of group) {
      this.db.exec('SAVEPOINT tx');
      try {
        outcomes.push({ ok: true, value: await queued.work(this.executor) });
        this.db.exec('RELEASE tx');
      } catch (error) {
        this.db.exec('ROLLBACK TO tx');
        this.db.exec('RELEASE tx');
        outcomes.push({ ok: false, error });
      }
    }
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      // Nothing of the group is on disk: every caller hears it, even those whose own work succeeded.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      for (const queued of group) queued.reject(error);
      return;
    }
    // The next group may run while this one's sync is under way: the event loop does not wait for the disk.
    const durable = this.totalChanges() === changedBefore ? this.wal.settled() : this.wal.commit();
    durable.then(
      () =>
        group.forEach((queued, i) => {
          const outcome = outcomes[i]!;
          if (outcome.ok) queued.resolve(outcome.value);
          else queued.reject(outcome.error);
        }),
      (error: unknown) => {
        for (const queued of group) queued.reject(error);
      },
    );
  }

  private totalChanges(): number {
    return (this.changes.get() as { n: number }).n;
  }
}
