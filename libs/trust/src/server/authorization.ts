import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit';
import type { RefusalClass } from '../refusal-class';
import { routeKey, type Authorizer } from '../authorize';
import { UNKNOWN_PEER, UNMATCHED_ROUTE, type MeshMetrics, type ServerEdge } from '../observe/metrics';
import { endServerSpan, startServerSpan, traceFields, withRequestTrace, type RequestTrace } from '../observe/tracing';
import type { MeshPeer, PeerIdentifier } from './peer';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated and authorized caller, set before any handler runs. */
    peer: MeshPeer | null;
    /** Where the answer is counted: the caller's and route's metrics, looked up once in onRequest. */
    meshEdge: ServerEdge | null;
    /** The request's span and trace context, when a trace came in or spans are recorded. */
    meshTrace: RequestTrace | null;
  }
}

export interface AuthorizationOptions {
  readonly service: string;
  /** This service's SPIFFE ID, for the server spans' attributes. */
  readonly selfId?: string;
  readonly policy: ReadonlyMap<string, Authorizer>;
  readonly peers: PeerIdentifier;
  readonly audit: AuditLog;
  readonly metrics?: MeshMetrics;
  /** For the per-request `request.completed` lines, written at debug level only. */
  readonly logger?: Logger;
}

/**
 * Default deny, in an `onRequest` hook: it runs for every request, matched or
 * not, before the body is read, so a caller that may not call a route cannot
 * make the service parse anything. A Nest guard would run later and only for
 * routes Nest knows.
 */
export function installAuthorization(fastify: FastifyInstance, options: AuthorizationOptions): void {
  const { service, policy, peers, audit, metrics, logger } = options;
  // Unknown paths answer 404 only to callers this service accepts somewhere; anyone else learns nothing.
  const acceptsSomewhere = (id: string) => [...policy.values()].some((authorize) => authorize(id));
  // The level is fixed for the life of the process: decide once, not per request.
  const perRequestLines = logger?.isLevelEnabled('debug') === true ? logger : undefined;

  fastify.decorateRequest('peer', null);
  fastify.decorateRequest('meshEdge', null);
  fastify.decorateRequest('meshTrace', null);
  // A callback hook rather than an async one: it runs on every request, and needs no promise.
  // Replying from it (403) ends the request there; `done` is only called to let a request through.
  fastify.addHook('onRequest', (request, reply, done) => {
    const pattern = request.routeOptions.url;
    const route = pattern === undefined ? undefined : routeKey(request.method, pattern);
    // Label values from the manifest (the route's pattern) or fixed words, never the raw path.
    const routeLabel = pattern ?? UNMATCHED_ROUTE;
    request.meshTrace = startServerSpan(request.headers, route ?? `${request.method} ${UNMATCHED_ROUTE}`) ?? null;
    const shown = route ?? routeKey(request.method, request.url.split('?')[0]!);
    const verdict = peers.identify(request.raw.socket as TLSSocket);
    if (!verdict.ok) {
      if (metrics) {
        metrics.tlsRefused(verdict.class);
        request.meshEdge = metrics.serverEdge(peers.nameOf(verdict.id) ?? UNKNOWN_PEER, request.method, routeLabel);
      }
      deny(reply, { reason: verdict.reason, class: verdict.class, peer: verdict.id, route: shown });
      return;
    }
    const { peer } = verdict;
    if (metrics) request.meshEdge = metrics.serverEdge(peer.name, request.method, routeLabel);
    if (route === undefined) {
      if (!acceptsSomewhere(peer.id)) {
        metrics?.denied(peer.name, routeLabel);
        deny(reply, { reason: `${peer.name} may not call ${service}`, class: 'not allowed', peer: peer.id, route: shown });
      } else {
        request.peer = peer;
        done(); // Fastify's not-found handler answers 404.
      }
      return;
    }
    const authorize = policy.get(route);
    if (!authorize) {
      metrics?.denied(peer.name, routeLabel);
      deny(reply, { reason: 'no policy in the manifest covers this route', class: 'no policy', peer: peer.id, route });
    } else if (!authorize(peer.id)) {
      metrics?.denied(peer.name, routeLabel);
      deny(reply, { reason: `${peer.name} may not call ${route}`, class: 'not allowed', peer: peer.id, route });
    } else {
      request.peer = peer;
      done();
    }
  });

  // The body has been read and the handler runs next, synchronously: running it inside the
  // request's trace context is what lets the mesh client's calls continue the trace.
  fastify.addHook('preHandler', (request, _reply, done) => withRequestTrace(request.meshTrace ?? undefined, done));

  // Every answer, 403s and 404s included, is counted once it is sent.
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const elapsedMs = reply.elapsedTime;
    request.meshEdge?.served(status, elapsedMs / 1000);
    if (request.meshTrace) endServerSpan(request.meshTrace, status, () => spanAttributes(request));
    if (perRequestLines) completed(perRequestLines, request, status, elapsedMs);
    done();
  });

  function spanAttributes(request: FastifyRequest) {
    return {
      'http.request.method': request.method,
      'http.route': request.routeOptions.url ?? UNMATCHED_ROUTE,
      'portcullis.source.name': request.peer?.name ?? UNKNOWN_PEER,
      ...(request.peer ? { 'portcullis.source.spiffe_id': request.peer.id } : {}),
      'portcullis.destination.name': service,
      ...(options.selfId ? { 'portcullis.destination.spiffe_id': options.selfId } : {}),
    };
  }

  function deny(reply: FastifyReply, refusal: { reason: string; class: RefusalClass; peer?: string | undefined; route: string }): void {
    const { request } = reply;
    const socket = request.raw.socket;
    audit.refused({
      service,
      stage: 'request',
      reason: refusal.reason,
      class: refusal.class,
      route: refusal.route,
      ...(refusal.peer ? { peer: refusal.peer } : {}),
      ...(socket.remoteAddress ? { remoteAddress: socket.remoteAddress } : {}),
      request_id: request.id,
      ...(request.meshTrace ? traceFields(request.meshTrace.span) : {}),
    });
    // The body names the caller and the route, never the policy. A revoked caller is told that
    // reason (and no serial): it has a certificate to replace, not a permission to ask for.
    reply.code(403).send({
      statusCode: 403,
      error: 'Forbidden',
      message: refusal.class === 'revoked' ? 'certificate revoked' : `${refusal.peer ?? 'this caller'} may not call ${refusal.route}`,
      caller: refusal.peer ?? null,
      route: refusal.route,
    });
  }
}

/** The per-request line, at debug level: who called what, the answer, how long, in which trace. */
function completed(logger: Logger, request: FastifyRequest, status: number, elapsedMs: number): void {
  logger.debug(
    {
      event: 'request.completed',
      request_id: request.id,
      // A refused caller has no `peer`, but its edge knows who it was (or that nobody knows).
      caller: request.peer?.name ?? request.meshEdge?.source ?? UNKNOWN_PEER,
      ...(request.peer ? { caller_id: request.peer.id } : {}),
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      status,
      duration_ms: Math.round(elapsedMs * 1000) / 1000,
      ...(request.meshTrace ? traceFields(request.meshTrace.span) : {}),
    },
    'request completed',
  );
}

/** Routes the service serves that no manifest entry covers (always denied), and manifest routes it does not serve. */
export function policyGaps(served: readonly string[], policy: ReadonlyMap<string, Authorizer>): { uncovered: string[]; unserved: string[] } {
  return {
    uncovered: served.filter((route) => !policy.has(route)),
    unserved: [...policy.keys()].filter((route) => !served.includes(route)),
  };
}

/** Collects the routes as Fastify registers them, in the same `METHOD /path` form as the manifest. */
export function collectRoutes(fastify: FastifyInstance): string[] {
  const routes: string[] = [];
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push(routeKey(method, route.url));
  });
  return routes;
}
