import type { TLSSocket } from 'node:tls';
import { workloadWithId, type Manifest } from '@portcullis/manifest';
import { spiffeIdOf, svidProblem } from '../svid';

/** Who is on the other end of a connection, as far as the mesh is concerned. */
export interface Peer {
  /** The caller's SPIFFE ID. */
  readonly id: string;
  /** The caller's name in the manifest (`gateway`, `demo-client`, ...). */
  readonly name: string;
}

export type PeerVerdict =
  | { readonly ok: true; readonly peer: Peer }
  | { readonly ok: false; readonly reason: string; readonly id?: string };

/**
 * Identifies the client of a TLS connection. OpenSSL has already checked the
 * chain against the mesh bundle; this adds the SPIFFE rules (one URI SAN, not
 * a CA, clientAuth, our trust domain) and requires an identity the manifest
 * knows. Computed once per connection; only the deny list is checked per request.
 */
export class PeerIdentifier {
  private readonly verdicts = new WeakMap<TLSSocket, { verdict: PeerVerdict; serial?: string }>();

  /** `revoked` is read on every request, so a revocation reaches connections opened before it. */
  constructor(
    private readonly manifest: Manifest,
    private readonly revoked: () => ReadonlySet<string> = () => new Set(),
  ) {}

  identify(socket: TLSSocket): PeerVerdict {
    let known = this.verdicts.get(socket);
    if (!known) {
      known = { verdict: this.decide(socket), serial: socket.getPeerX509Certificate()?.serialNumber };
      this.verdicts.set(socket, known);
    }
    const { verdict, serial } = known;
    if (verdict.ok && serial && this.revoked().has(serial)) {
      return { ok: false, reason: `certificate ${serial} has been revoked`, id: verdict.peer.id };
    }
    return verdict;
  }

  private decide(socket: TLSSocket): PeerVerdict {
    if (!socket.authorized) return { ok: false, reason: `certificate refused: ${String(socket.authorizationError ?? 'none presented')}` };
    const cert = socket.getPeerX509Certificate();
    if (!cert) return { ok: false, reason: 'no client certificate' };
    const id = spiffeIdOf(cert);
    const problem = svidProblem(cert, 'client', this.manifest.trustDomain);
    if (problem) return { ok: false, reason: `not a valid SPIFFE client certificate: ${problem}`, ...(id ? { id } : {}) };
    const workload = workloadWithId(this.manifest, id!);
    if (!workload) return { ok: false, reason: 'identity not in the manifest', id: id! };
    return { ok: true, peer: { id: workload.id, name: workload.name } };
  }
}
