import type { TLSSocket } from 'node:tls';
import { workloadWithId, type Manifest } from '@portcullis/manifest';
import type { Identity } from '../identity';
import { classifyRefusalReason, type RefusalClass } from '../refusal-class';
import { spiffeIdOf, svidProblem, svidRules, type SvidRules } from '../svid';

/**
 * Who is on the other end of a connection, as far as the mesh is concerned.
 * (`MeshPeer`, not `Peer`: that name is the NestJS parameter decorator that hands one to a handler.)
 */
export interface MeshPeer {
  /** The caller's SPIFFE ID. */
  readonly id: string;
  /** The caller's name in the manifest (`gateway`, `demo-client`, ...). */
  readonly name: string;
}

export type PeerVerdict =
  { readonly ok: true; readonly peer: MeshPeer } | { readonly ok: false; readonly reason: string; readonly class: RefusalClass; readonly id?: string };

/**
 * What is remembered about a connection's client certificate between its
 * requests, as plain values: reading them from the certificate again would
 * cross into C++ and allocate a Date and a string on every request.
 */
interface Known {
  readonly verdict: PeerVerdict;
  readonly serial?: string;
  readonly notAfterMs?: number;
  readonly notAfter?: string;
}

/**
 * Identifies the client of a TLS connection. OpenSSL has already checked the
 * chain against the mesh bundle; this adds the SPIFFE rules (one URI SAN, cA=false,
 * no certificate signing, clientAuth, our trust domain, no longer-lived than the
 * manifest's leaves) and requires an identity the manifest
 * knows, once per connection. On every request it checks what can change
 * while a keep-alive connection stays open: the certificate's expiry and the
 * deny list. (A change of trusted roots closes the connections opened before
 * it, see `mesh-server.ts`, so that they handshake again against the new bundle.)
 */
export class PeerIdentifier {
  private readonly known = new WeakMap<TLSSocket, Known>();
  private readonly rules: SvidRules;

  /** `revoked` returns the current deny list. */
  constructor(
    private readonly manifest: Manifest,
    private readonly revoked: () => Identity['revoked'],
  ) {
    this.rules = svidRules(manifest);
  }

  /** The manifest's short name of a SPIFFE ID, for metric labels; undefined for an identity it does not know. */
  nameOf(id: string | undefined): string | undefined {
    return id === undefined ? undefined : workloadWithId(this.manifest, id)?.name;
  }

  identify(socket: TLSSocket, now: Date | number = Date.now()): PeerVerdict {
    let known = this.known.get(socket);
    if (!known) {
      const leaf = socket.getPeerX509Certificate();
      known = {
        verdict: this.decide(socket),
        ...(leaf ? { serial: leaf.serialNumber, notAfterMs: leaf.validToDate.getTime(), notAfter: leaf.validToDate.toISOString() } : {}),
      };
      this.known.set(socket, known);
    }
    const { verdict, serial, notAfterMs } = known;
    if (!verdict.ok || serial === undefined) return verdict;
    const refuse = (reason: string, refusalClass: RefusalClass): PeerVerdict => ({ ok: false, reason, class: refusalClass, id: verdict.peer.id });
    if (notAfterMs! <= Number(now)) return refuse(`certificate ${serial} expired ${known.notAfter}`, 'expired');
    if (this.revoked().has(serial)) return refuse(`certificate ${serial} has been revoked`, 'revoked');
    return verdict;
  }

  private decide(socket: TLSSocket): PeerVerdict {
    if (!socket.authorized) {
      const error = socket.authorizationError;
      return {
        ok: false,
        reason: `certificate refused: ${String(error ?? 'none presented')}`,
        class: error ? classifyRefusalReason(String(error)) : 'no certificate',
      };
    }
    const cert = socket.getPeerX509Certificate();
    if (!cert) return { ok: false, reason: 'no client certificate', class: 'no certificate' };
    const id = spiffeIdOf(cert);
    const problem = svidProblem(cert, 'client', this.rules);
    if (problem) return { ok: false, reason: `not a valid SPIFFE client certificate: ${problem}`, class: 'not an SVID', ...(id ? { id } : {}) };
    const workload = workloadWithId(this.manifest, id!);
    if (!workload) return { ok: false, reason: 'identity not in the manifest', class: 'unknown identity', id: id! };
    return { ok: true, peer: { id: workload.id, name: workload.name } };
  }
}
