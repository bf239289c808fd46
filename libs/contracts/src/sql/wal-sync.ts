import { existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * The disk sync of a SQLite write-ahead log, done off the event loop and shared.
 *
 * With `synchronous = FULL`, SQLite syncs the log inside COMMIT, on the calling thread: node:sqlite
 * is synchronous, so the service's event loop stops for the disk on every commit (about a third of
 * a busy service's main-thread time, measured). With `synchronous = NORMAL` the commit only writes
 * the log (to the page cache: it survives the process being killed, not a power cut); this class
 * then syncs the log file through libuv's thread pool, and tells each commit once a sync that
 * began after it has finished. Commits made while a sync runs share the next one, so under load
 * one sync covers many of them. Nobody is told a commit happened before it is on disk, which is
 * what FULL promises, without stopping the event loop.
 */
export class WalSync {
  /** Commits made so far, and how many of them a finished sync covers. */
  private committed = 0;
  private synced = 0;
  private running: Promise<void> | null = null;
  private waiters: Array<{ upTo: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  private handle: FileHandle | null = null;
  /** Once a sync failed, the disk may have dropped what it held: nothing is called durable again. */
  private failure: Error | null = null;

  constructor(private readonly walFile: string) {}

  /** Why nothing can be called durable any more, once a sync failed. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Records a commit just made; resolves once it is on disk. */
  commit(): Promise<void> {
    const upTo = ++this.committed;
    return this.durable(upTo);
  }

  /** Resolves once everything committed so far is on disk: a read must not answer with what is not. */
  settled(): Promise<void> {
    return this.durable(this.committed);
  }

  async close(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    await this.handle?.close();
    this.handle = null;
  }

  private durable(upTo: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.synced >= upTo) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ upTo, resolve, reject });
      this.start();
    });
  }

  private start(): void {
    // One sync at a time: what is committed while it runs waits for the next, which covers all of it.
    if (this.running) return;
    const upTo = this.committed;
    this.running = this.sync().then(
      () => {
        this.synced = upTo;
        this.running = null;
        const waiting = this.waiters;
        this.waiters = waiting.filter((w) => w.upTo > upTo);
        for (const w of waiting) if (w.upTo <= upTo) w.resolve();
        if (this.waiters.length > 0) this.start();
      },
      (error: unknown) => {
        this.failure = new Error(
          `cannot sync ${this.walFile} to disk (${error instanceof Error ? error.message : String(error)}): commits since the last sync may be lost; restart the service`,
          {
            cause: error,
          },
        );
        this.running = null;
        for (const w of this.waiters) w.reject(this.failure);
        this.waiters = [];
      },
    );
  }

  private async sync(): Promise<void> {
    // The log file appears with the first write; a database never written has nothing to sync.
    if (!this.handle) {
      if (!existsSync(this.walFile)) return;
      this.handle = await open(this.walFile, 'r');
    }
    await this.handle.datasync();
  }
}
