import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits, type Manifest, type TlsVersion } from '@portcullis/manifest';
import type { AuditLog } from '../audit';
import { routePolicy, type Authorizer } from '../authorize';
import type { IdentitySource } from '../source';
import { ConnectionAdmission } from './admission';
import type { MeshMetrics } from '../observe/metrics';
import { classifyRefusalReason } from '../refusal-class';
import { collectRoutes, installAuthorization } from './authorization';
import { installDeadlines } from './deadline-hook';
import { installRequestScope } from './request-scope';
import { faultsEnabled, installFaults } from './faults';
import { PeerIdentifier } from './peer';
import { serverTlsOptions } from './tls-options';

/**
 * Limits against slow or greedy clients; generous for the small JSON calls of a
 * mesh. The connection limits (before and after the handshake) are mesh.yaml's
 * `limits:`; the HTTP ones are the library's own.
 */
export interface ServerLimits extends ConnectionLimits {
  readonly bodyLimitBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly keepAliveGraceMs: number;
}

export const SERVER_LIMITS: ServerLimits = {
  ...DEFAULT_CONNECTION_LIMITS,
  bodyLimitBytes: 16 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  // Longer than the mesh client's 4 s, so the client always closes an idle connection first.
  keepAliveTimeoutMs: 5_000,
  // How long past the advertised timeout (`Keep-Alive: timeout=5`) an idle connection is really
  // kept (Node's keepAliveTimeoutBuffer, 1 s by default). A client that honours the hint closes at
  // 4 s, counted from when it read the last answer; one whose event loop was held up after that
  // read (a CPU burst on a small machine: every certificate renewed at once) still sends its next
  // request on a socket it believes fresh, and if the server closed it meanwhile, that request
  // dies with ECONNRESET. The 20-minute soak lost requests exactly so, on reused keep-alive
  // connections at the moment of a renewal round, with Node's 1 s.
  keepAliveGraceMs: 5_000,
};

/** The limits a service of `manifest` runs with. */
export function serverLimits(manifest: Manifest): ServerLimits {
  return { ...SERVER_LIMITS, ...manifest.limits };
}

/** Fastify's options for a mesh server: HTTPS with mandatory client certificates, and the limits. */
export function meshFastifyOptions(source: IdentitySource, minVersion: TlsVersion, limits: ServerLimits = SERVER_LIMITS) {
  return {
    https: {
      ...serverTlsOptions(source.current(), minVersion),
      // Only a backstop: the admission (admission.ts) keeps the real deadline, from accept and
      // scaled under pressure. Node's is fixed; twice as long, the admission always decides
      // (and counts) first.
      handshakeTimeout: 2 * limits.handshakeTimeoutMs,
      // node:https takes the HTTP server's options here too. Node only looks for
      // expired header and request timers every 30 s unless told otherwise.
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeoutBuffer: limits.keepAliveGraceMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // HEAD would be a second, unlisted route for every GET; the manifest lists what exists.
    exposeHeadRoutes: false,
    return503OnClosing: true,
  };
}

export interface MeshServerContext {
  readonly service: string;
  readonly manifest: Manifest;
  readonly source: IdentitySource;
  readonly audit: AuditLog;
  readonly limits?: ServerLimits;
  /** Where requests and refusals are counted (none: not counted, as in some tests). */
  readonly metrics?: MeshMetrics;
  /** For the per-request lines at debug level. */
  readonly logger?: Logger;
  /** Who may start a handshake; made from `limits` when not given (a service gets it from its MeshContext). */
  readonly admission?: ConnectionAdmission;
  /** Who the caller of a connection is: its certificate, unless the benchmark's plaintext transport says otherwise (bench-transport.ts). */
  readonly peers?: PeerIdentifier;
}

/**
 * Prepares a Fastify instance before any route is registered: JSON only,
 * default-deny authorization from the manifest, and a record of the routes
 * that get registered, to compare with the manifest once the app is up.
 */
export function secureFastify(fastify: FastifyInstance, context: MeshServerContext): { served: string[]; policy: ReadonlyMap<string, Authorizer> } {
  // The mesh speaks JSON: a text/plain body gets 415 rather than reaching a handler as a string.
  fastify.removeContentTypeParser('text/plain');
  const policy = routePolicy(context.manifest, context.service);
  const served = collectRoutes(fastify);
  const peers = context.peers ?? new PeerIdentifier(context.manifest, context.source);
  fastify.server.on('secureConnection', (socket: TLSSocket) => peers.opened(socket));
  installAuthorization(fastify, {
    service: context.service,
    selfId: context.manifest.services.get(context.service)?.id,
    policy,
    peers,
    audit: context.audit,
    ...(context.metrics ? { metrics: context.metrics } : {}),
    ...(context.logger ? { logger: context.logger } : {}),
  });
  const log = eventLog(context.logger);
  installDeadlines(fastify, context.service, log);
  installRequestScope(fastify, (context.manifest.services.get(context.service)?.calls.length ?? 0) > 0);
  installFaults(fastify, context.service, faultsEnabled(), log);
  return { served, policy };
}

/** The service's pino logger for the deadline and fault hooks' events; one JSON line on stdout where there is none (tests). */
function eventLog(logger: Logger | undefined): (line: Record<string, unknown>) => void {
  if (!logger) return (line) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
  return ({ level, message, ...fields }) => {
    const write = level === 'warn' ? logger.warn.bind(logger) : level === 'error' ? logger.error.bind(logger) : logger.info.bind(logger);
    write(fields, typeof message === 'string' ? message : '');
  };
}

/**
 * Hardens the listening TLS server: admission before the handshake (see
 * admission.ts; it also caps authenticated connections, which Node's
 * `server.maxConnections` would do by dropping every newcomer silently, so
 * that is left unset), no renegotiation, an audit line for every refused
 * handshake, and new certificates for new handshakes whenever the identity
 * changes. Returns the admission, whose counters `GET /healthz` reports.
 */
export function hardenTlsServer(server: TlsServer, context: MeshServerContext): ConnectionAdmission {
  const limits = context.limits ?? SERVER_LIMITS;
  const admission = context.admission ?? new ConnectionAdmission({ service: context.service, limits });
  admission.install(server);
  const refuseHandshake = (socket: TLSSocket, reason: string) => {
    const refusalClass = classifyRefusalReason(reason);
    context.metrics?.tlsRefused(refusalClass);
    context.audit.refused({
      service: context.service,
      stage: 'handshake',
      reason,
      class: refusalClass,
      ...(socket.remoteAddress ? { remoteAddress: socket.remoteAddress } : {}),
    });
  };
  server.on('secureConnection', (socket: TLSSocket) => {
    // TLS 1.3 has no renegotiation; on 1.2 a client-initiated one is a known DoS lever. Node
    // only emits an error for it and leaves the connection open: close it.
    socket.disableRenegotiation();
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ERR_TLS_RENEGOTIATION_DISABLED') return;
      refuseHandshake(socket, 'renegotiation refused');
      socket.destroy();
    });
  });
  server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
    // A connection the admission closed is counted there and summed up in one line per interval.
    if (admission.handshakeFailed(socket)) return;
    refuseHandshake(socket, handshakeRefusalReason(error, socket));
  });
  // setSecureContext rebuilds the context from scratch: pass every option again, not just the new pair.
  // New handshakes (and no resumption of old sessions: the context has new ticket keys) use it at once.
  // When the trusted roots change, the connections opened before are closed after their next
  // answer (the authorization hook's `openedUnderOldBundle`; idle ones end with the keep-alive
  // timeout), so that every client handshakes again against the new bundle.
  context.source.onChange((identity) => server.setSecureContext(serverTlsOptions(identity, context.manifest.tls.minVersion)));
  return admission;
}

/**
 * Node checks a client certificate after the handshake and drops the
 * connection without an alert, so the error is only "socket hang up"; the
 * real reason (UNABLE_TO_GET_ISSUER_CERT, CERT_HAS_EXPIRED, ...) is left on
 * the socket. OpenSSL's own errors carry a short `reason` without the
 * file-and-line noise of their message.
 */
function handshakeRefusalReason(error: Error, socket: TLSSocket): string {
  const verifyError = socket.authorizationError;
  if (verifyError) return `client certificate refused: ${String(verifyError)}`;
  return (error as Error & { reason?: string }).reason ?? error.message.trim();
}
