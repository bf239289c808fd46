import { createHash } from 'node:crypto';

/**
 * A short fingerprint of the manifest's text, as a service loaded it. Services
 * report it in `GET /healthz` and the doctor compares it with the file on
 * disk: a running mesh that drifted from its manifest shows up as a
 * different revision, whatever the change was.
 */
export function manifestRevision(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
