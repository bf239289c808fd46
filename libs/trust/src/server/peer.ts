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
 * What is remembered about a connection between its requests, as plain
 * values: reading them from the certificate again would cross into C++ and
 * allocate a Date and a string on every request.
 */
interface Connection {
  /** The trust bundle in force when the connection's handshake was done. */
  readonly bundlePem: string;
  verdict?: PeerVerdict;
  serial?: string;
  notAfterMs?: number;
  notAfter?: string;
  /** The deny list this connection's certificate was last checked against: a reload brings a new one. */
  checkedAgainst?: Identity['revoked'];
}

/** What the identifier reads of the service's own identity: its deny list and its trust bundle, as they are now. */
export interface CurrentIdentity {
  current(): Pick<Identity, 'revoked' | 'bundlePem'>;
}

/**
 * Identifies the client of a TLS connection. OpenSSL has already checked the
 * chain against the mesh bundle; this adds the SPIFFE rules (one URI SAN, cA=false,
 * no certificate signing, clientAuth, our trust domain, no longer-lived than the
 * manifest's leaves) and requires an identity the manifest
 * knows, once per connection. On every request it checks what can change
 * while a keep-alive connection stays open: the certificate's expiry (a
 * number compared), the deny list (looked up again only when it was
 * reloaded) and the trusted roots (a connection opened under others is
 * closed after its answer, see `openedUnderOldBundle`).
 */
export class PeerIdentifier {
  private readonly connections = new WeakMap<TLSSocket, Connection>();
  private readonly rules: SvidRules;

  constructor(
    private readonly manifest: Manifest,
    private readonly identity: CurrentIdentity,
  ) {
    this.rules = svidRules(manifest);
  }

  /** The manifest's short name of a SPIFFE ID, for metric labels; undefined for an identity it does not know. */
  nameOf(id: string | undefined): string | undefined {
    return id === undefined ? undefined : workloadWithId(this.manifest, id)?.name;
  }

  /** A handshake is done: remember which trust bundle the client's chain was checked against. */
  opened(socket: TLSSocket): void {
    this.connections.set(socket, { bundlePem: this.identity.current().bundlePem });
  }

  /**
   * True when the trusted roots changed since the connection's handshake: the
   * server then closes it after this answer (`connection: close`, which a client
   * handles cleanly, unlike a reset racing its next request), so that every
   * client handshakes again against the new bundle.
   */
  openedUnderOldBundle(socket: TLSSocket): boolean {
    return this.connectionOf(socket).bundlePem !== this.identity.current().bundlePem;
  }

  identify(socket: TLSSocket, now: number = Date.now()): PeerVerdict {
    const connection = this.connectionOf(socket);
    if (!connection.verdict) {
      const leaf = socket.getPeerX509Certificate();
      connection.verdict = this.decide(socket);
      if (leaf) {
        connection.serial = leaf.serialNumber;
        connection.notAfterMs = leaf.validToDate.getTime();
        connection.notAfter = leaf.validToDate.toISOString();
      }
    }
    const { verdict, serial } = connection;
    if (!verdict.ok || serial === undefined) return verdict;
    if (connection.notAfterMs! <= now) return refused(verdict, `certificate ${serial} expired ${connection.notAfter}`, 'expired');
    const { revoked } = this.identity.current();
    if (connection.checkedAgainst !== revoked) {
      if (revoked.has(serial)) return refused(verdict, `certificate ${serial} has been revoked`, 'revoked');
      connection.checkedAgainst = revoked;
    }
    return verdict;
  }

  /** A connection the server saw no handshake for (a test's server without `opened`) counts as opened under today's bundle. */
  private connectionOf(socket: TLSSocket): Connection {
    let connection = this.connections.get(socket);
    if (!connection) {
      connection = { bundlePem: this.identity.current().bundlePem };
      this.connections.set(socket, connection);
    }
    return connection;
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

function refused(verdict: PeerVerdict & { ok: true }, reason: string, refusalClass: RefusalClass): PeerVerdict {
  return { ok: false, reason, class: refusalClass, id: verdict.peer.id };
}
