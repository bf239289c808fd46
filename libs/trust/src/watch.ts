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
  /** Updates refused since the watch started (a bad pair, an expired or foreign certificate, a half-written file). */
  readonly refusals: number;
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
  let refusals = 0;
  let lastProblem: string | undefined;
  let timer: NodeJS.Timeout | undefined;

  const reload = () => {
    timer = undefined;
    const result = source.reload();
    if (result.error) {
      if (result.error.message !== lastProblem) {
        refusals++;
        lastProblem = result.error.message;
        options.onRefused?.(result.error.message);
      }
      return;
    }
    lastProblem = undefined;
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
    get refusals() {
      return refusals;
    },
    close() {
      watcher?.close();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
    },
  };
}
