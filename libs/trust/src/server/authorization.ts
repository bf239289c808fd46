import type { TLSSocket } from 'node:tls';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuditLog } from '../audit';
import type { RefusalClass } from '../refusal-class';
import { routeKey, type Authorizer } from '../authorize';
import type { MeshPeer, PeerIdentifier } from './peer';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated and authorized caller, set before any handler runs. */
    peer: MeshPeer | null;
  }
}

export interface AuthorizationOptions {
  readonly service: string;
  readonly policy: ReadonlyMap<string, Authorizer>;
  readonly peers: PeerIdentifier;
  readonly audit: AuditLog;
}

/**
 * Default deny, in an `onRequest` hook: it runs for every request, matched or
 * not, before the body is read, so a caller that may not call a route cannot
 * make the service parse anything. A Nest guard would run later and only for
 * routes Nest knows.
 */
export function installAuthorization(fastify: FastifyInstance, options: AuthorizationOptions): void {
  const { service, policy, peers, audit } = options;
  // Unknown paths answer 404 only to callers this service accepts somewhere; anyone else learns nothing.
  const acceptsSomewhere = (id: string) => [...policy.values()].some((authorize) => authorize(id));

  fastify.decorateRequest('peer', null);
  // A callback hook rather than an async one: it runs on every request, and needs no promise.
  // Replying from it (403) ends the request there; `done` is only called to let a request through.
  fastify.addHook('onRequest', (request, reply, done) => {
    const pattern = request.routeOptions.url;
    const route = pattern === undefined ? undefined : routeKey(request.method, pattern);
    const shown = route ?? routeKey(request.method, request.url.split('?')[0]!);
    const verdict = peers.identify(request.raw.socket as TLSSocket);
    if (!verdict.ok) {
      deny(reply, { reason: verdict.reason, class: verdict.class, peer: verdict.id, route: shown });
      return;
    }
    const { peer } = verdict;
    if (route === undefined) {
      if (!acceptsSomewhere(peer.id)) deny(reply, { reason: `${peer.name} may not call ${service}`, class: 'not allowed', peer: peer.id, route: shown });
      else done(); // Fastify's not-found handler answers 404.
      return;
    }
    const authorize = policy.get(route);
    if (!authorize) deny(reply, { reason: 'no policy in the manifest covers this route', class: 'no policy', peer: peer.id, route });
    else if (!authorize(peer.id)) deny(reply, { reason: `${peer.name} may not call ${route}`, class: 'not allowed', peer: peer.id, route });
    else {
      request.peer = peer;
      done();
    }
  });

  function deny(reply: FastifyReply, refusal: { reason: string; class: RefusalClass; peer?: string | undefined; route: string }): void {
    const socket = reply.request.raw.socket;
    audit.refused({
      service,
      stage: 'request',
      reason: refusal.reason,
      class: refusal.class,
      route: refusal.route,
      ...(refusal.peer ? { peer: refusal.peer } : {}),
      ...(socket.remoteAddress ? { remoteAddress: socket.remoteAddress } : {}),
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
