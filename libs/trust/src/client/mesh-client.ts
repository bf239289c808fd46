import { createSecureContext, type SecureContext } from 'node:tls';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Agent, buildConnector, Dispatcher } from 'undici';
import { originOf, type Manifest, type Workload } from '@portcullis/manifest';
import type { Identity } from '../identity';
import { secureContextOptions } from '../server/tls-options';
import type { IdentitySource } from '../source';
import { failureKind, MeshCallError } from './call-error';
import { callBudget } from './deadline';
import { pinServerIdentity } from './pin';
import { svidRules } from '../svid';
import type { MeshMetrics } from '../observe/metrics';
import { UNKNOWN_PEER } from '../observe/metrics';
import { endClientSpan, startClientSpan } from '../observe/tracing';

export interface MeshResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

export interface MeshCallOptions {
  /** Extra request headers (e.g. `idempotency-key`); the deadline header is the client's own. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface MeshClientOptions {
  readonly manifest: Manifest;
  readonly environment: string;
  /** Who is calling: a service (restricted to its `calls`) or an external client of the manifest. */
  readonly self: Workload;
  readonly source: IdentitySource;
  readonly connectTimeoutMs?: number;
  readonly responseTimeoutMs?: number;
  /** Open connections to one target at most; requests beyond them wait for a free one. */
  readonly maxConnectionsPerTarget?: number;
  /**
   * The whole call, waiting for a free connection included (default: the connect and
   * response timeouts added up). Without it, a call queued behind a slow peer would wait
   * for ever, since undici's timeouts only start once a request is on a connection.
   */
  readonly callTimeoutMs?: number;
  /** Where calls are counted, by target and outcome (none: not counted, as for the runner's monitor). */
  readonly metrics?: MeshMetrics;
  /** Where a failed call is said, with its kind and the trace of the request that made it. */
  readonly logger?: Logger;
}

/**
 * Without a cap, every request that finds all connections busy opens a new one: a burst (a cold
 * JIT, a slow peer) becomes a handshake storm on both sides, and the connections and their
 * buffers stay until they idle out. Seen with `ss` on the local chain at 400 orders/s: about 225
 * connections from gateway to orders while the JIT warmed up. HTTP/1.1 carries one request per
 * connection at a time, so the cap is also how many calls to one target run at once: generous
 * enough for a peer that is slow by design, small enough to bound a storm.
 */
export const DEFAULT_MAX_CONNECTIONS_PER_TARGET = 64;

/**
 * The mesh's HTTP client: presents the caller's certificate, trusts only the
 * mesh bundle, pins each target's SPIFFE ID and pools keep-alive connections.
 * One undici Agent per target, so that connections, TLS sessions and pinning
 * never mix between targets. When the identity changes, new connections
 * present the new certificate and the old pools are drained.
 */
/**
 * undici is loaded on the first call, not with the service: a service whose manifest entry calls
 * nobody (and the command-line tools that never call) does not carry its modules in memory.
 */
function undici(): typeof import('undici') {
  // A lazy load: `import()` would make every call site async.
  return require('undici') as typeof import('undici');
}

export class MeshClient {
  private readonly agents = new Map<string, Agent>();
  private readonly unsubscribe: () => void;
  private readonly connectors = new Map<string, buildConnector.connector>();
  /**
   * One TLS context per identity, shared by every connection to every target. Without it,
   * tls.connect parses the key and certificates and builds a new OpenSSL context for each
   * new connection (about a third of a millisecond of CPU, and its memory, every time).
   */
  private readonly contexts = new WeakMap<Identity, SecureContext>();
  private closed = false;

  private readonly timeouts: { readonly connect: number; readonly response: number; readonly call: number };

  constructor(private readonly options: MeshClientOptions) {
    const connect = options.connectTimeoutMs ?? 2_000;
    const response = options.responseTimeoutMs ?? 5_000;
    this.timeouts = { connect, response, call: options.callTimeoutMs ?? connect + response };
    // A new identity: new connections present it, and the old pools are drained (in-flight
    // requests finish, idle sockets close) so that the old certificate does not linger.
    this.unsubscribe = options.source.onChange((identity) => {
      for (const target of this.connectors.keys()) this.connectors.set(target, this.buildConnector(target, identity));
      const old = [...this.agents.values()];
      this.agents.clear();
      for (const agent of old) void agent.close().catch(() => undefined);
    });
  }

  /**
   * Sends one JSON request to `target` and returns its status and parsed JSON body. Made while
   * a request is being served, it carries that request's trace on (`traceparent`), so services
   * propagate traces without a line of their own.
   */
  async call<T = unknown>(
    target: string,
    method: Dispatcher.HttpMethod,
    path: string,
    body?: unknown,
    /** Extra request headers: `idempotency-key`, or `accept` for `GET /metrics` as JSON (what `mesh stat` reads). */
    extra: MeshCallOptions = {},
  ): Promise<MeshResponse<T>> {
    const started = performance.now();
    // A label from the manifest: a name it does not know (a typo in a service) is not a new series.
    const edge = this.options.metrics?.clientEdge(this.options.manifest.services.has(target) ? target : UNKNOWN_PEER);
    const headers: OutgoingHttpHeaders = body === undefined ? { ...extra.headers } : { ...extra.headers, 'content-type': 'application/json' };
    const span = startClientSpan(target, method, headers, () => ({
      'http.request.method': method,
      'url.path': path,
      'portcullis.source.name': this.options.self.name,
      'portcullis.source.spiffe_id': this.options.self.id,
      'portcullis.destination.name': target,
      ...(this.options.manifest.services.get(target) ? { 'portcullis.destination.spiffe_id': this.options.manifest.services.get(target)!.id } : {}),
    }));
    try {
      const response = await this.send<T>(target, method, path, headers, body);
      edge?.finished(response.status, (performance.now() - started) / 1000);
      endClientSpan(span, response.status);
      return response;
    } catch (error) {
      const failure = error instanceof MeshCallError ? error : new MeshCallError(target, 'other', describe(error), { cause: error });
      edge?.finished(failure.kind, (performance.now() - started) / 1000);
      endClientSpan(span, failure.kind);
      this.options.logger?.warn(
        { event: 'mesh.call.failed', target, method, path, kind: failure.kind, code: failure.code, reason: failure.reason },
        failure.message,
      );
      throw failure;
    }
  }

  private async send<T>(target: string, method: Dispatcher.HttpMethod, path: string, headers: OutgoingHttpHeaders, body: unknown): Promise<MeshResponse<T>> {
    const origin = originOf(this.options.manifest, target, this.options.environment);
    const agent = this.agentFor(target);
    const budget = callBudget(target, this.timeouts.call);
    const signal = AbortSignal.timeout(budget.ms);
    let status: number;
    let text: string;
    let json: boolean;
    try {
      const response = await agent.request({
        origin,
        path,
        method,
        signal,
        // Under a deadline the signal ends the call; undici's own timers (coarse, about half a second) only back it up.
        ...(budget.underDeadline ? { headersTimeout: budget.ms + 1_000, bodyTimeout: budget.ms + 1_000 } : {}),
        // The caller's trace (set by startClientSpan) and the deadline left for this hop travel with the call.
        headers: { ...(headers as Record<string, string>), ...budget.headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      status = response.statusCode;
      json = String(response.headers['content-type'] ?? '').includes('application/json');
      text = await response.body.text();
    } catch (error) {
      if (signal.aborted) {
        throw new MeshCallError(
          target,
          'deadline',
          `no answer within ${budget.ms} ms${budget.fromCaller ? " (what the caller's deadline left)" : ''}, waiting for a free connection included`,
          { cause: error },
        );
      }
      throw new MeshCallError(target, failureKind(error), describe(error), { cause: error });
    }
    if (!text || !json) return { status, body: text as T };
    try {
      return { status, body: JSON.parse(text) as T };
    } catch (error) {
      // A peer that says JSON and sends something else is broken: the caller's caller gets a 502, not a 500.
      throw new MeshCallError(target, 'bad_body', `answered ${status} with a body that is not JSON`, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await Promise.all([...this.agents.values()].map((agent) => agent.close()));
    this.agents.clear();
  }

  private agentFor(target: string): Agent {
    if (this.closed) throw new MeshCallError(target, 'closed', 'the mesh client is closed');
    const existing = this.agents.get(target);
    if (existing) return existing;
    const { self, manifest } = this.options;
    const spec = manifest.services.get(target);
    if (!spec) throw new MeshCallError(target, 'unknown_target', `there is no service "${target}" in ${manifest.file}`);
    // A service calls what its manifest entry lists, and itself only for its own health probe.
    if (self.kind === 'service' && target !== self.name && !manifest.services.get(self.name)!.calls.includes(target)) {
      throw new MeshCallError(target, 'not_allowed', `${self.name} does not list ${target} in its calls in ${manifest.file}`);
    }
    if (!this.connectors.has(target)) this.connectors.set(target, this.buildConnector(target, this.options.source.current()));
    const agent = new (undici().Agent)({
      connect: (connectOptions, callback) => this.connectors.get(target)!(connectOptions, callback),
      allowH2: false,
      connections: this.options.maxConnectionsPerTarget ?? DEFAULT_MAX_CONNECTIONS_PER_TARGET,
      keepAliveTimeout: 4_000,
      headersTimeout: this.timeouts.response,
      bodyTimeout: this.timeouts.response,
    });
    this.agents.set(target, agent);
    return agent;
  }

  private buildConnector(target: string, identity: Identity): buildConnector.connector {
    const { manifest } = this.options;
    const expectedId = manifest.services.get(target)!.id;
    let secureContext = this.contexts.get(identity);
    if (!secureContext) {
      secureContext = createSecureContext(secureContextOptions(identity, manifest.tls.minVersion));
      this.contexts.set(identity, secureContext);
    }
    return undici().buildConnector({
      secureContext,
      rejectUnauthorized: true,
      // The target's name, never an IP: SNI must be a host name, and the pin below is what identifies the server.
      servername: target,
      checkServerIdentity: pinServerIdentity(target, expectedId, svidRules(manifest), identity.revoked),
      timeout: this.timeouts.connect,
      allowH2: false,
    });
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
