import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit';
import type { RefusalClass } from '../refusal-class';
import { routeKey, type Authorizer } from '../authorize';
import { UNKNOWN_PEER, UNMATCHED_ROUTE, type MeshMetrics, type ServerEdge } from '../observe/metrics';
import { endServerSpan, startServerSpan, traceFields, type RequestTrace } from '../observe/tracing';
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
 * A route as the policy sees it, built once when the route is registered and
 * found again on each request through the route's config (no string is built
 * and no policy looked up per request). The manifest's policy does not change
 * while the process runs, so neither does a caller's verdict on a route: it is
 * decided on the caller's first request and kept, with the caller's metrics.
 */
interface RouteGate {
  /** `GET /orders/:id`, as the manifest, the audit log and the 403 body name it. */
  readonly key: string;
  readonly method: string;
  readonly pattern: string;
  readonly authorize: Authorizer | undefined;
  readonly callers: Map<string, CallerOnRoute>;
}

interface CallerOnRoute {
  readonly allowed: boolean;
  readonly edge: ServerEdge | null;
}

/** Where a route's gates are kept in its Fastify config, by method; a symbol, so no config of the service's can collide. */
const GATES = Symbol('portcullis.gates');
type GatedConfig = { readonly [GATES]?: Readonly<Record<string, RouteGate>> };

/**
 * Default deny, in an `onRequest` hook: it runs for every request, matched or
 * not, before the body is read, so a caller that may not call a route cannot
 * make the service parse anything. A Nest guard would run later and only for
 * routes Nest knows.
 */
export function installAuthorization(fastify: FastifyInstance, options: AuthorizationOptions): void {
  const { service, policy, peers, audit, metrics, logger } = options;
  // Unknown paths answer 404 only to callers this service accepts somewhere; anyone else learns nothing.
  const acceptedSomewhere = new Map<string, boolean>();
  const acceptsSomewhere = (id: string) => {
    let accepted = acceptedSomewhere.get(id);
    if (accepted === undefined) acceptedSomewhere.set(id, (accepted = [...policy.values()].some((authorize) => authorize(id))));
    return accepted;
  };
  // The level is fixed for the life of the process: decide once, not per request.
  const perRequestLines = logger?.isLevelEnabled('debug') === true ? logger : undefined;

  fastify.decorateRequest('peer', null);
  fastify.decorateRequest('meshEdge', null);
  fastify.decorateRequest('meshTrace', null);
  const gate = (method: string, pattern: string): RouteGate => {
    const key = routeKey(method, pattern);
    return { key, method: method.toUpperCase(), pattern, authorize: policy.get(key), callers: new Map() };
  };
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    route.config = { ...route.config, [GATES]: Object.fromEntries(methods.map((method) => [method.toUpperCase(), gate(method, route.url)])) };
  });
  // Fastify builds every route after the hooks added before `ready`, so each has its gate; one
  // without (should that ever change) is denied for want of a policy, never taken for a 404.
  const gateOf = (request: FastifyRequest): RouteGate | undefined => {
    const config = request.routeOptions.config as (GatedConfig & { url?: string }) | undefined;
    const found = config?.[GATES]?.[request.method];
    return found || config?.url === undefined ? found : { ...gate(request.method, config.url), authorize: undefined };
  };
  const verdictOn = (gate: RouteGate, peer: MeshPeer): CallerOnRoute => {
    let caller = gate.callers.get(peer.id);
    if (!caller) {
      caller = { allowed: gate.authorize?.(peer.id) === true, edge: metrics?.serverEdge(peer.name, gate.method, gate.pattern) ?? null };
      gate.callers.set(peer.id, caller);
    }
    return caller;
  };

  // A callback hook rather than an async one: it runs on every request, and needs no promise.
  // Replying from it (403) ends the request there; `done` is only called to let a request through.
  fastify.addHook('onRequest', (request, reply, done) => {
    const socket = request.raw.socket as TLSSocket;
    if (peers.openedUnderOldBundle(socket)) reply.raw.setHeader('connection', 'close');
    const gate = gateOf(request);
    const verdict = peers.identify(socket);
    request.meshTrace = startServerSpan(request.headers, gate?.key ?? `${request.method} ${UNMATCHED_ROUTE}`) ?? null;
    if (!verdict.ok) {
      // Label values from the manifest (the route's pattern) or fixed words, never the raw path.
      if (metrics) {
        metrics.tlsRefused(verdict.class);
        request.meshEdge = metrics.serverEdge(peers.nameOf(verdict.id) ?? UNKNOWN_PEER, request.method, gate?.pattern ?? UNMATCHED_ROUTE);
      }
      deny(reply, { reason: verdict.reason, class: verdict.class, peer: verdict.id, route: gate?.key ?? shownPath(request) });
      return;
    }
    const { peer } = verdict;
    if (gate === undefined) {
      if (metrics) request.meshEdge = metrics.serverEdge(peer.name, request.method, UNMATCHED_ROUTE);
      if (!acceptsSomewhere(peer.id)) {
        metrics?.denied(peer.name, UNMATCHED_ROUTE);
        deny(reply, { reason: `${peer.name} may not call ${service}`, class: 'not allowed', peer: peer.id, route: shownPath(request) });
      } else {
        request.peer = peer;
        done(); // Fastify's not-found handler answers 404.
      }
      return;
    }
    const caller = verdictOn(gate, peer);
    request.meshEdge = caller.edge;
    if (caller.allowed) {
      request.peer = peer;
      done();
      return;
    }
    metrics?.denied(peer.name, gate.pattern);
    if (!gate.authorize) deny(reply, { reason: 'no policy in the manifest covers this route', class: 'no policy', peer: peer.id, route: gate.key });
    else deny(reply, { reason: `${peer.name} may not call ${gate.key}`, class: 'not allowed', peer: peer.id, route: gate.key });
  });

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

/** How a path no route matches is named in the audit log and the 403 body: as sent, without its query. */
function shownPath(request: FastifyRequest): string {
  return routeKey(request.method, request.url.split('?')[0]!);
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
