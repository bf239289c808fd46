import { readFileSync, realpathSync } from 'node:fs';
import { Agent, request, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import { basename, join } from 'node:path';
import { DATA_LINK, type IdentityFiles } from '@portcullis/layout';

/** Keep-alive connections the load may open at once. */
const POOL_SOCKETS = 32;

export interface LoadPlan {
  /** Requests started per second, whatever the answers do (an open loop). */
  readonly ratePerSecond: number;
  /** One request in this many goes out on a new connection (a full handshake); the rest reuse a pool. */
  readonly freshEvery: number;
  /** The share of requests that place an order; the rest list the inventory. */
  readonly orderShare: number;
  /** Requests still unanswered beyond this are not sent but counted as failed ("client backlog"); default: ten seconds of load. */
  readonly maxInFlight?: number;
}

export interface LoadTally {
  sent: number;
  succeeded: number;
  failed: number;
  /** By problem and by the connection it happened on: a new one, or a keep-alive one reused (the race with the server's idle timeout). */
  failures: Record<string, number>;
  /** When the first failures happened, in seconds from the start, to line them up with the services' logs. */
  readonly firstFailures: { atSeconds: number; problem: string }[];
  /** Latency of every answered request, in milliseconds. */
  readonly latenciesMs: number[];
}

export interface RunningLoad {
  readonly tally: LoadTally;
  /** Stops sending and resolves once every request in flight has ended. */
  stop(): Promise<void>;
}

/**
 * Load from a client that shares no code with the mesh: Node's own `https`, with the identity
 * files of one of the manifest's external clients, re-read when they change (renewals), as an
 * integration partner would. Every `freshEvery`-th request opens a connection of its own, the rest
 * share a keep-alive pool: the mix of a real edge (health checks, partners without keep-alive). The
 * pool has room for a few times the rate's concurrency (an open loop does not wait for answers, so a
 * latency spike needs more sockets at once, not a queue in the client).
 */
export function startOutsideLoad(origin: string, identity: IdentityFiles, plan: LoadPlan): RunningLoad {
  const tally: LoadTally = { sent: 0, succeeded: 0, failed: 0, failures: {}, firstFailures: [], latenciesMs: [] };
  // Ten seconds of load, the same as each request's own timeout: the cap only keeps a server that has
  // stopped answering from growing the client without bound, it does not judge a latency spike.
  const maxInFlight = plan.maxInFlight ?? Math.max(256, Math.ceil(plan.ratePerSecond * 10));
  const url = new URL(origin);
  let version = currentVersion(identity);
  let tls = readIdentity(identity, version);
  const keepAlivePool = () => new Agent({ keepAlive: true, maxSockets: POOL_SOCKETS });
  let pool = keepAlivePool();
  const inFlight = new Set<Promise<void>>();
  const retiring = new Set<Agent>();

  const count = (problem: string) => {
    tally.failed++;
    tally.failures[problem] = (tally.failures[problem] ?? 0) + 1;
    if (tally.firstFailures.length < FAILURES_KEPT) tally.firstFailures.push({ atSeconds: Math.round(performance.now() - startedAt) / 1000, problem });
  };
  const send = (n: number) => {
    tally.sent++;
    if (inFlight.size >= maxInFlight) return count(`client backlog over ${maxInFlight}`);
    const order = (n * plan.orderShare) % 1 < plan.orderShare; // spreads orders evenly through the sequence
    const body = order ? JSON.stringify({ sku: 'WIDGET-1', quantity: 1 }) : undefined;
    const options: RequestOptions = {
      host: url.hostname,
      port: url.port,
      // SNI carries host names only; an IP address is checked against the certificate's IP SANs instead.
      ...(isIP(url.hostname) === 0 ? { servername: url.hostname } : {}),
      method: order ? 'POST' : 'GET',
      path: order ? '/orders' : '/inventory',
      headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
      ...tls,
      agent: n % plan.freshEvery === 0 ? false : pool,
      timeout: 10_000,
    };
    const fresh = options.agent === false;
    const started = performance.now();
    const done = new Promise<void>((resolve) => {
      const req = request(options, (res) => {
        res.resume();
        res.once('end', () => {
          tally.latenciesMs.push(performance.now() - started);
          if (res.statusCode === (order ? 201 : 200)) tally.succeeded++;
          else count(`HTTP ${res.statusCode} ${connectionKind(fresh, req.reusedSocket)}`);
          resolve();
        });
      });
      req.once('timeout', () => req.destroy(new Error('no answer within 10 s')));
      req.once('error', (error: NodeJS.ErrnoException) => {
        count(`${error.code ?? error.message} ${connectionKind(fresh, req.reusedSocket)}`);
        resolve();
      });
      req.end(body);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  // Renewals replace the files; a partner re-reads them, here once a second.
  const reread = setInterval(() => {
    const now = currentVersion(identity);
    if (now === version) return;
    version = now;
    tls = readIdentity(identity, now);
    const old = pool;
    pool = keepAlivePool();
    // New requests take the new pool at once; the old one's requests in flight finish first (a
    // partner does not cut its own calls short when it reloads its certificate).
    retiring.add(old);
    setTimeout(() => {
      retiring.delete(old);
      old.destroy();
    }, 11_000).unref();
  }, 1_000);

  // Ticks every 10 ms, sending what has come due since the start: a steady rate however late a tick fires.
  const startedAt = performance.now();
  let next = 0;
  const ticker = setInterval(() => {
    const due = Math.floor(((performance.now() - startedAt) / 1000) * plan.ratePerSecond);
    while (next < due) send(next++);
  }, 10);

  return {
    tally,
    async stop() {
      clearInterval(ticker);
      clearInterval(reread);
      await Promise.all(inFlight);
      pool.destroy();
      for (const old of retiring) old.destroy();
    },
  };
}

/** How many failures keep their time in the tally. */
const FAILURES_KEPT = 20;

function connectionKind(fresh: boolean, reused: boolean): string {
  return fresh ? 'on a new connection' : reused ? 'on a reused keep-alive connection' : 'on a new pooled connection';
}

/** The key, chain and bundle of one version, read from its directory so that they belong together. */
function readIdentity(identity: IdentityFiles, version: string): Pick<RequestOptions, 'ca' | 'cert' | 'key'> {
  const file = (path: string) => readFileSync(join(version, basename(path)));
  return { ca: file(identity.bundle), cert: file(identity.cert), key: file(identity.key) };
}

/** The directory `..data` points to: `pnpm mesh certs` (and the kubelet) swap it on every change. */
function currentVersion(identity: IdentityFiles): string {
  return realpathSync(join(identity.dir, DATA_LINK));
}
