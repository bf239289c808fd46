/** The typed, validated model of mesh.yaml. Everything else in the mesh is derived from it. */

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** Something that holds a mesh identity: a service or an external client. */
export interface Workload {
  readonly name: string;
  readonly kind: 'service' | 'client';
  /** The SPIFFE ID written into the workload's certificate. */
  readonly id: string;
}

export interface Address {
  readonly host: string;
  readonly port: number;
}

export interface Route {
  readonly method: string;
  /** Fastify-style path pattern, e.g. `/orders/:id`. */
  readonly path: string;
  /** Names of the workloads allowed to call this route (`self` already resolved to the service's name). */
  readonly allow: readonly string[];
}

export interface Service extends Workload {
  readonly kind: 'service';
  /** The port the service listens on unless an environment overrides it. */
  readonly port: number;
  /** Where peers find the service, per environment name (`local`, `compose`, ...). */
  readonly addresses: ReadonlyMap<string, Address>;
  /** The services this one calls. */
  readonly calls: readonly string[];
  /** The service's own routes followed by the manifest's common routes. */
  readonly routes: readonly Route[];
}

export interface Client extends Workload {
  readonly kind: 'client';
}

export interface CertificatePolicy {
  readonly leafLifetimeMs: number;
  readonly intermediateLifetimeMs: number;
  readonly rootLifetimeMs: number;
  /**
   * How long a CA rotation waits after publishing a root before issuing under
   * it, and after switching before retiring the old root: the time clients
   * outside the mesh have to re-read their `ca.crt` (and their certificate).
   */
  readonly rootOverlapMs: number;
}

/**
 * What every service admits, before and after the TLS handshake (the `limits:`
 * section of mesh.yaml). A connection is pending from accept until its
 * handshake is done, then authenticated.
 */
export interface ConnectionLimits {
  /** `connections`: authenticated connections a service keeps open; a new connection beyond it is closed at accept. */
  readonly maxConnections: number;
  /** `pendingHandshakes`: pending connections from all sources; when full, the oldest is closed to admit a new one. */
  readonly maxPendingHandshakes: number;
  /** `pendingPerAddress`: pending connections from one source address; a new one beyond it is closed at accept. */
  readonly maxPendingPerAddress: number;
  /** The handshake deadline (from accept) while at most half the pending pool is in use. */
  readonly handshakeTimeoutMs: number;
  /** The deadline when the pending pool is full; it shrinks linearly from the one above as the pool fills. */
  readonly minHandshakeTimeoutMs: number;
}

export interface Manifest {
  /** Absolute path of the file the manifest was read from (used in error messages). */
  readonly file: string;
  readonly trustDomain: string;
  readonly certificates: CertificatePolicy;
  readonly tls: { readonly minVersion: TlsVersion };
  readonly limits: ConnectionLimits;
  readonly services: ReadonlyMap<string, Service>;
  readonly clients: ReadonlyMap<string, Client>;
  /** The environments every service has an address in. */
  readonly environments: readonly string[];
}
