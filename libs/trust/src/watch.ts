import { watch, type FSWatcher } from 'node:fs';
import type { Identity } from './identity';
import type { IdentitySource } from './source';

export interface WatchOptions {
  /** How long file events must settle before a reload (a writer touches several files). */
  readonly debounceMs?: number;
  /** A reload every so often regardless of events: inotify does not see changes on every kind of volume. */
  readonly pollMs?: number;
  readonly onReloaded?: (identity: Identity) => void;
  /** Called once per distinct problem, not on every poll while it lasts. */
  readonly onRefused?: (reason: string) => void;
}

export interface IdentityWatch {
  close(): void;
}

/**
 * Keeps a source current with its files: watches the identity directory (the
 * directory, not the files, so that Kubernetes' `..data` swap is seen) and
 * polls as a fallback. Each reload validates key, chain and bundle together
 * and swaps only if they are good; a bad update is reported and the old
 * identity keeps serving.
 */
export function watchIdentity(source: IdentitySource, options: WatchOptions = {}): IdentityWatch {
  const debounceMs = options.debounceMs ?? 200;
  let timer: NodeJS.Timeout | undefined;

  const reload = () => {
    timer = undefined;
    let result: ReturnType<IdentitySource['reload']>;
    try {
      result = source.reload();
    } catch (error) {
      // A listener (setSecureContext, a client's connectors) failed: report it, never crash the service.
      result = { changed: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
    if (result.error) {
      if (!result.repeated) options.onRefused?.(result.error.message);
      return;
    }
    if (result.changed) options.onReloaded?.(source.current());
  };
  const soon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(reload, debounceMs);
  };

  let watcher: FSWatcher | undefined;
  try {
    // Recursive: an edit through tls.key lands in the versioned directory behind ..data.
    watcher = watch(source.files.dir, { persistent: false, recursive: true }, soon);
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined; // The poll below still notices changes.
  }
  const poll = setInterval(reload, options.pollMs ?? 5_000);
  poll.unref();

  return {
    close() {
      watcher?.close();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
    },
  };
}
