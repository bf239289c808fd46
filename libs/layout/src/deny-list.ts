/**
 * The mesh's deny list (`revoked.txt`): node-forge cannot write CRLs, so the
 * CA publishes a plain file with the trust bundle and every server checks it
 * on every request. One serial number a line, as Node prints them (upper-case
 * hex); `#` starts a comment. Entries the CA writes say in their comment when
 * their certificate expires, so that they can leave the list once it no
 * longer matters.
 */

/**
 * How long an entry stays on the deny list after its certificate expires: an
 * expired certificate is refused by every handshake anyway, but a peer whose
 * clock runs behind would still take it until then.
 */
export const DENY_LIST_GRACE_MS = 60 * 60 * 1000;

const EXPIRES = /, expires (\S+)\s*$/;

/** What the CA records about a revoked certificate. */
export interface DenyListEntry {
  readonly serial: string;
  readonly workload: string;
  readonly reason: string;
  readonly revokedAt: Date;
  readonly expiresAt: Date;
}

/** One line of the deny list, without its newline. */
export function denyListLine(entry: DenyListEntry): string {
  return `${entry.serial} # ${entry.workload}, ${entry.reason}, revoked ${entry.revokedAt.toISOString()}, expires ${entry.expiresAt.toISOString()}`;
}

/** The revoked serial numbers of a deny list. */
export function parseDenyList(text: string): ReadonlySet<string> {
  return new Set(
    text
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim().toUpperCase())
      .filter(Boolean),
  );
}

/**
 * The deny list without the entries whose certificates expired more than
 * `DENY_LIST_GRACE_MS` ago (as a CRL drops them, RFC 5280 §3.3), so that the
 * list every server reloads does not grow for ever. Entries that do not say
 * when they expire (written by hand) stay. Returns `text` itself when nothing
 * is dropped.
 */
export function withoutExpiredEntries(text: string, now: Date): string {
  const lines = text.split('\n');
  const kept = lines.filter((line) => {
    const expires = Date.parse(EXPIRES.exec(line)?.[1] ?? '');
    // No expiry, or one that does not parse: keep it; a deny list fails closed.
    return Number.isNaN(expires) || expires + DENY_LIST_GRACE_MS > now.getTime();
  });
  return kept.length === lines.length ? text : kept.join('\n');
}
