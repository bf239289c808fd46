/**
 * The callee of the transport scenario, a process of its own so that its CPU time is its own:
 * `node server.js <http1.1-pool|http2> <host> <port> <certsDir>`, forked with an IPC channel.
 * One Fastify app either way, with the mesh's server TLS options (the callee's certificate, the
 * mesh bundle only, a client certificate required and verified); for HTTP/2 the same options
 * under `http2: true` with `allowHTTP1`, as a service adopting HTTP/2 would run. On every
 * request it identifies the caller from its connection's certificate (once per connection, as
 * the trust library does), checks the hop's policy, and counts the request by the HTTP version
 * it arrived in and every connection by the ALPN protocol it negotiated.
 */
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { fastify, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerBase } from 'fastify';
import { identityFiles } from '@portcullis/layout';
import { loadManifest } from '@portcullis/manifest';
import { loadIdentity, PeerIdentifier, routeKey, routePolicy, serverTlsOptions, svidRules } from '@portcullis/trust';
import { REPO_MANIFEST } from '../paths';
import { HOP, TRANSPORTS, type ServerCounts, type ServerMessage, type TransportName } from './protocol';

const [transport, host, port, certsDir] = process.argv.slice(2) as [TransportName, string, string, string];
if (!TRANSPORTS.includes(transport)) throw new Error(`unknown transport "${transport}"; expected one of ${TRANSPORTS.join(', ')}`);

const manifest = loadManifest(REPO_MANIFEST);
const identity = loadIdentity(identityFiles(certsDir, HOP.callee), { id: manifest.services.get(HOP.callee)!.id, ...svidRules(manifest), fix: 'bench' });
const tls = serverTlsOptions(identity, manifest.tls.minVersion);
const peers = new PeerIdentifier(manifest, { current: () => identity });
const allowed = routePolicy(manifest, HOP.callee).get(routeKey(HOP.method, HOP.path))!;

const counts = { requests: {} as Record<string, number>, connections: {} as Record<string, number>, refused: 0 };
const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);

/**
 * The TLS connection a request came on. HTTP/1.1: `request.raw.socket`. HTTP/2: not that one,
 * which is a new proxy for every stream (a cache keyed by it would miss on every request), but
 * the session's socket, one per connection.
 */
function connectionOf(raw: IncomingMessage | Http2ServerRequest): TLSSocket {
  return ('stream' in raw ? raw.stream.session!.socket : raw.socket) as TLSSocket;
}

interface Order {
  readonly id: string;
  readonly sku: string;
  readonly quantity: number;
}
const isOrder = (body: unknown): body is Order => {
  const o = body as Partial<Order> | null;
  return typeof o === 'object' && o !== null && typeof o.id === 'string' && typeof o.sku === 'string' && Number.isInteger(o.quantity);
};

/** What the handlers use of Fastify's request and reply, the same for either server. */
interface Request {
  readonly raw: IncomingMessage | Http2ServerRequest;
  readonly body: unknown;
}
interface Reply {
  code(status: number): { send(body: unknown): unknown };
}

async function authorize(request: Request, reply: Reply): Promise<void> {
  count(counts.requests, request.raw.httpVersion);
  const verdict = peers.identify(connectionOf(request.raw));
  if (!verdict.ok || !allowed(verdict.peer.id)) {
    counts.refused++;
    await reply.code(403).send({ error: 'forbidden' });
  }
}
function reserve(request: Request, reply: Reply): unknown {
  if (!isOrder(request.body)) {
    counts.refused++;
    return reply.code(400).send({ error: 'not an order' });
  }
  const { id, sku, quantity } = request.body;
  return { id, sku, quantity, unitPriceCents: 1250, status: 'reserved', expiresAt: new Date(Date.now() + 60_000).toISOString() };
}

/** The same hook, route and counting on either server: only how Fastify is created differs. */
function served<Server extends RawServerBase>(
  app: FastifyInstance<Server, RawRequestDefaultExpression<Server>, RawReplyDefaultExpression<Server>>,
): FastifyInstance<Server, RawRequestDefaultExpression<Server>, RawReplyDefaultExpression<Server>> {
  app.addHook('onRequest', authorize);
  app.post(HOP.path, reserve);
  app.server.on('secureConnection', (socket: TLSSocket) => count(counts.connections, socket.alpnProtocol || 'none'));
  return app;
}

const app = transport === 'http2' ? served(fastify({ http2: true, https: { allowHTTP1: true, ...tls } })) : served(fastify({ https: tls }));

const send = (message: ServerMessage) => process.send!(message);
process.on('message', (message: { kind: 'counts' }) => {
  if (message.kind === 'counts') send({ kind: 'counts', counts: structuredClone(counts) satisfies ServerCounts });
});
// The scenario gone (ended or crashed): nothing is left listening.
process.once('disconnect', () => process.exit(0));
app.listen({ host, port: Number(port) }).then(
  () => send({ kind: 'listening' }),
  (error: unknown) => {
    process.stderr.write(`transport server (${transport}): ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
