import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { spiffeIdOf, svidProblem, type SvidRules } from '../svid';

/** Raised when a server with a valid mesh certificate is not the service the client meant to call. */
export class IdentityMismatchError extends Error {
  override readonly name = 'IdentityMismatchError';
  readonly code = 'PORTCULLIS_ERR_IDENTITY_MISMATCH';
}

/**
 * A `checkServerIdentity` that pins the server's SPIFFE ID. Node's own check
 * compares host names with DNS SANs and ignores URI SANs, so a certificate
 * valid for the mesh would otherwise be accepted from any service: a
 * compromised `inventory` could answer for `payments`.
 *
 * Node skips `checkServerIdentity` on a resumed session, so the session cache
 * must never be shared between targets: each pinned target gets its own
 * connector (see `mesh-client.ts`), and a session can only be resumed with a
 * server that passed this check for the same expected identity.
 */
export function pinServerIdentity(target: string, expectedId: string, rules: SvidRules, revoked: ReadonlySet<string> = new Set()) {
  return (_servername: string, cert: PeerCertificate): Error | undefined => {
    const x509 = new X509Certificate(cert.raw);
    if (revoked.has(x509.serialNumber)) return new IdentityMismatchError(`${target} presented certificate ${x509.serialNumber}, which has been revoked`);
    const problem = svidProblem(x509, 'server', rules);
    const presented = spiffeIdOf(x509) ?? 'no SPIFFE ID';
    if (problem) {
      return new IdentityMismatchError(`${target} presented an unusable certificate (${presented}): ${problem}`);
    }
    if (presented !== expectedId) {
      return new IdentityMismatchError(`${target} presented ${presented}, but the manifest expects ${expectedId}; refusing to send the request`);
    }
    return undefined;
  };
}
