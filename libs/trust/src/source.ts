import type { IdentityFiles } from '@portcullis/layout';
import { IdentityError, loadIdentity, type Identity, type IdentityExpectation } from './identity';

export type IdentityListener = (identity: Identity) => void;

/**
 * "A certificate that can change" (ghostunnel's certloader, go-spiffe's
 * X509Source): the one place that holds a workload's current identity. Servers
 * and clients read `current()` and subscribe to changes; nothing else knows
 * where the files are or when they were reloaded.
 */
export class IdentitySource {
  private identity: Identity;
  private readonly listeners = new Set<IdentityListener>();
  private refused = 0;
  private lastRefusal: string | undefined;

  private constructor(
    readonly files: IdentityFiles,
    private readonly expect: IdentityExpectation,
    initial: Identity,
  ) {
    this.identity = initial;
  }

  /** Loads and checks the identity; throws an `IdentityError` whose message says what to fix. */
  static open(files: IdentityFiles, expect: IdentityExpectation): IdentitySource {
    return new IdentitySource(files, expect, loadIdentity(files, expect));
  }

  current(): Identity {
    return this.identity;
  }

  /** Identity updates refused since start (each distinct problem once), reported in `GET /healthz`. */
  get refusedUpdates(): number {
    return this.refused;
  }

  onChange(listener: IdentityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads the files again and swaps only if the new key, chain and bundle are
   * valid together; otherwise keeps serving the old identity and returns why.
   * `repeated` says the same problem was reported by the previous reload.
   */
  reload(): { changed: boolean; error?: Error; repeated?: boolean } {
    let next: Identity;
    try {
      next = loadIdentity(this.files, this.expect);
    } catch (error) {
      if (error instanceof IdentityError) return this.refuse(error);
      throw error;
    }
    this.lastRefusal = undefined;
    const current = this.identity;
    const same =
      next.chainPem === current.chainPem && next.keyPem === current.keyPem && next.bundlePem === current.bundlePem && next.revokedText === current.revokedText;
    if (same) return { changed: false };
    this.identity = next;
    for (const listener of this.listeners) listener(next);
    return { changed: true };
  }

  /** Counts each distinct problem once, however many polls see it. */
  private refuse(error: IdentityError): { changed: false; error: IdentityError; repeated: boolean } {
    const repeated = error.message === this.lastRefusal;
    if (!repeated) this.refused++;
    this.lastRefusal = error.message;
    return { changed: false, error, repeated };
  }
}
