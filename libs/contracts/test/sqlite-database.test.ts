import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteDatabase } from '../src/sql/sqlite-database';
import { WalSync } from '../src/sql/wal-sync';

describe('SqliteDatabase (group commit)', () => {
  let dir: string;
  let file: string;
  let db: SqliteDatabase;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-sqlite-'));
    file = join(dir, 'test.db');
    db = new SqliteDatabase(file);
    await db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What another connection (an auditor, a restarted process) finds on disk. */
  const onDisk = (): number[] => {
    const reader = new DatabaseSync(file, { readOnly: true });
    try {
      return (reader.prepare('SELECT id FROM t ORDER BY id').all() as Array<{ id: number }>).map((row) => row.id);
    } finally {
      reader.close();
    }
  };
  const walBytes = (): number => statSync(`${file}-wal`).size;

  it('answers each transaction only once it is committed, where another connection sees it', async () => {
    const seenWhenAnswered = await Promise.all(
      [1, 2, 3].map(async (id) => {
        await db.run('INSERT INTO t VALUES (?, ?)', id, 'x');
        return onDisk();
      }),
    );
    for (const [i, seen] of seenWhenAnswered.entries()) expect(seen).toContain(i + 1);
  });

  it('rolls back only the transaction that threw, and commits the others of its group', async () => {
    const outcomes = await Promise.allSettled([
      db.transaction(async (tx) => tx.run('INSERT INTO t VALUES (1, ?)', 'kept')),
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (2, ?)', 'undone');
        throw new Error('the second one fails after writing');
      }),
      db.transaction(async (tx) => tx.run('INSERT INTO t VALUES (1, ?)', 'duplicate key')),
      db.transaction(async (tx) => tx.run('INSERT INTO t VALUES (3, ?)', 'kept')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('the second one fails after writing'));
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(onDisk()).toEqual([1, 3]);
  });

  it('shares one commit among the transactions of one event-loop turn, and commits one by one otherwise', async () => {
    const before = walBytes();
    await Promise.all(Array.from({ length: 50 }, (_, i) => db.run('INSERT INTO t VALUES (?, ?)', i + 1, 'grouped')));
    const grouped = walBytes() - before;
    for (let i = 51; i <= 100; i++) await db.run('INSERT INTO t VALUES (?, ?)', i, 'alone');
    const alone = walBytes() - before - grouped;
    // Each commit appends the pages it changed to the write-ahead log: one commit, a page or two.
    expect(onDisk()).toHaveLength(100);
    expect(alone).toBeGreaterThan(10 * grouped);
  });

  it('changes nothing more once a sync of its log failed', async () => {
    const probe = await open(file, 'r');
    await probe.close();
    const failing = jest
      .spyOn(Object.getPrototypeOf(probe) as { datasync(): Promise<void> }, 'datasync')
      .mockRejectedValue(new Error('EIO: i/o error, fdatasync'));
    try {
      await expect(db.run('INSERT INTO t VALUES (1, ?)', 'not known durable')).rejects.toThrow(/cannot sync .*test\.db-wal to disk/);
      await expect(db.run('INSERT INTO t VALUES (2, ?)', 'refused')).rejects.toThrow(/cannot sync/);
      expect(onDisk()).not.toContain(2);
    } finally {
      failing.mockRestore();
    }
  });

  it('refuses work after close, and close waits for what was asked before it', async () => {
    const pending = db.run('INSERT INTO t VALUES (7, ?)', 'before close');
    await db.close();
    await expect(pending).resolves.toBe(1);
    await expect(db.run('INSERT INTO t VALUES (8, ?)', 'after close')).rejects.toThrow(/closed/);
    expect(onDisk()).toEqual([7]);
    db = new SqliteDatabase(file);
  });
});

describe('WalSync (the log synced off the event loop)', () => {
  let dir: string;
  let wal: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-wal-'));
    wal = join(dir, 'test.db-wal');
    writeFileSync(wal, 'frames');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** What every FileHandle's `datasync` is looked up on. */
  const fileHandles = async (): Promise<{ datasync(): Promise<void> }> => {
    const probe = await open(wal, 'r');
    await probe.close();
    return Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
  };

  /** Every sync asked of the kernel: when it began and when it ended. */
  const recordSyncs = async () => {
    const prototype = await fileHandles();
    const syncs: Array<{ began: number; ended?: number }> = [];
    let clock = 0;
    const original = prototype.datasync;
    const spy = jest.spyOn(prototype, 'datasync').mockImplementation(async function (this: unknown) {
      const sync: { began: number; ended?: number } = { began: ++clock };
      syncs.push(sync);
      await original.call(this);
      sync.ended = ++clock;
    });
    return { syncs, tick: () => ++clock, restore: () => spy.mockRestore() };
  };

  it('tells a commit only after a sync that began after it, and lets commits made during a sync share the next one', async () => {
    const { syncs, tick, restore } = await recordSyncs();
    const log = new WalSync(wal);
    try {
      const told: number[] = [];
      const first = log.commit().then(() => told.push(tick()));
      // Made while the first sync is under way: none of them may ride on it.
      const during = Array.from({ length: 20 }, () => log.commit().then(() => told.push(tick())));
      await Promise.all([first, ...during]);
      expect(syncs).toHaveLength(2);
      expect(told[0]).toBeGreaterThan(syncs[0]!.ended!);
      for (const at of told.slice(1)) expect(at).toBeGreaterThan(syncs[1]!.ended!);
      // Nothing new since: a read is told at once, with no sync.
      await log.settled();
      expect(syncs).toHaveLength(2);
    } finally {
      restore();
      await log.close();
    }
  });

  it('calls nothing durable again once a sync failed, naming the file and what to do', async () => {
    const log = new WalSync(join(dir, 'missing-dir', 'x.db-wal'));
    // The file appears only once written: until then there is nothing to sync.
    await expect(log.commit()).resolves.toBeUndefined();
    mkdirSync(join(dir, 'missing-dir'));
    writeFileSync(join(dir, 'missing-dir', 'x.db-wal'), 'frames');
    await expect(log.commit()).resolves.toBeUndefined();
    const failing = jest.spyOn(await fileHandles(), 'datasync').mockRejectedValue(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    try {
      await expect(log.commit()).rejects.toThrow(/cannot sync .*x\.db-wal to disk \(EIO: i\/o error, fdatasync\).*restart the service/);
      // The disk may answer again; what it dropped is still lost.
      failing.mockRestore();
      await expect(log.settled()).rejects.toThrow(/cannot sync/);
    } finally {
      failing.mockRestore();
      await log.close();
    }
  });
});
