import type { Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { ConnectionLimits } from '@portcullis/manifest';
import { SheddingCounters, ShedReporter, type AdmissionGauges, type ShedCounts, type ShedDecision, type ShedLogSink } from './shedding';

/**
 * Pre-handshake admission: who gets to start a TLS handshake, and for how long.
 *
 * Anyone who reaches the port can open connections that never send a
 * ClientHello; Node's `server.maxConnections` then drops every newcomer,
 * legitimate or not, without a word. Instead, as edge proxies do:
 * - a connection is *pending* from accept until its handshake is done, and
 *   one source address may hold only `maxPendingPerAddress` of them (nginx's
 *   `limit_conn` keyed by `$binary_remote_addr`; HAProxy's
 *   `tcp-request connection reject if { src_conn_cur ge N }`);
 * - when the pending pool (`maxPendingHandshakes`) is full, the OLDEST pending
 *   connection is closed to admit the new one, so a flood cannot hold the pool
 *   against newcomers: it has to outpace every honest handshake instead;
 * - the handshake deadline runs from accept (a ClientHello sent a byte at a
 *   time does not extend it) and shrinks from `handshakeTimeoutMs` to
 *   `minHandshakeTimeoutMs` as the pending pool fills past half, as Envoy's
 *   overload manager scales `TRANSPORT_SOCKET_CONNECT` timers between a max
 *   and a min with its `reduce_timeouts` action (Node's own handshakeTimeout
 *   is fixed, and is left only as a backstop);
 * - authenticated (handshake done) connections have their own budget,
 *   `maxConnections` (Envoy's `global_downstream_max_connections`, HAProxy's
 *   `maxconn`): they never count against the pending pool and are never evicted.
 * References: envoyproxy.io/docs/envoy/latest/configuration/operations/overload_manager/overload_manager,
 * nginx.org/en/docs/stream/ngx_stream_limit_conn_module.html,
 * docs.haproxy.org/3.0/configuration.html (maxconn, src_conn_cur).
 *
 * Every step is O(1): a Map per address and one insertion-ordered Map (its
 * first entry is the oldest) for the pool. One timer sweeps expired entries
 * from the head, since with one deadline for all the oldest expire first.
 */
export interface AdmissionOptions {
  readonly service: string;
  readonly limits: ConnectionLimits;
  /** Where the summary of what was shed goes, one JSON line per interval (stdout by default). */
  readonly log?: ShedLogSink;
  readonly reportEveryMs?: number;
}

/** What `GET /healthz` reports: the pools now, and what was shed since start. */
export interface AdmissionStatus extends Omit<AdmissionGauges, 'busiestAddress'> {
  readonly shed: ShedCounts;
}

interface Pending {
  readonly raw: Socket;
  readonly address: string;
  readonly since: number;
}

/** The deadline scales down once the pending pool is more than this full (Envoy's `scaled` threshold). */
const SCALE_FROM = 0.5;
const DEFAULT_REPORT_EVERY_MS = 10_000;

export class ConnectionAdmission {
  readonly counters = new SheddingCounters();
  private readonly pending = new Map<Socket, Pending>();
  private readonly pendingByAddress = new Map<string, number>();
  /** Raw sockets this admission closed: the handshake failure they cause is already counted, not a refusal to audit. */
  private readonly shedSockets = new WeakSet<Socket>();
  private authenticated = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly reporter: ShedReporter;

  constructor(private readonly options: AdmissionOptions) {
    this.reporter = new ShedReporter(options.service, this.counters, () => this.gauges(), options.log ?? ((line) => process.stdout.write(line + '\n')));
  }

  get limits(): ConnectionLimits {
    return this.options.limits;
  }

  /**
   * Attaches to a TLS server before it listens. Node's tls.Server wraps every
   * accepted socket in a TLSSocket in its own 'connection' listener
   * (tlsConnectionListener in lib/_tls_wrap.js); the gate runs instead of it
   * and calls it only for admitted sockets, so a refused connection costs an
   * accept and a reset, and no TLS state.
   */
  install(server: TlsServer): void {
    const tlsListeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (raw: Socket) => {
      if (!this.admit(raw)) return;
      for (const listener of tlsListeners) listener.call(server, raw);
    });
    server.on('secureConnection', (socket: TLSSocket) => this.handshakeDone(socket));
    this.reporter.start(this.options.reportEveryMs ?? DEFAULT_REPORT_EVERY_MS);
    server.once('close', () => this.stop());
  }

  stop(): void {
    this.reporter.stop();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Decides on a connection just accepted; false when it was closed. */
  admit(raw: Socket): boolean {
    const now = performance.now();
    this.expire(now);
    if (this.authenticated >= this.limits.maxConnections) return this.shed(raw, 'refusedAtCapacity');
    // A socket reset before we saw it has no address; it goes in one bucket of its own.
    const address = raw.remoteAddress ?? '';
    const held = this.pendingByAddress.get(address) ?? 0;
    if (held >= this.limits.maxPendingPerAddress) return this.shed(raw, 'refusedPerAddress');
    if (this.pending.size >= this.limits.maxPendingHandshakes) {
      const oldest = this.pending.values().next().value!;
      this.forget(oldest);
      this.shed(oldest.raw, 'evictedOldest');
    }
    this.pending.set(raw, { raw, address, since: now });
    this.pendingByAddress.set(address, held + 1);
    this.sweeper ??= setInterval(() => this.expire(performance.now()), this.sweepEveryMs()).unref();
    return true;
  }

  /** The handshake is done: the connection leaves the pending pool for the authenticated budget. */
  handshakeDone(socket: TLSSocket): void {
    const entry = this.pending.get(rawSocketOf(socket));
    if (entry) this.forget(entry);
    if (this.authenticated >= this.limits.maxConnections) {
      // Admitted while there was room, but the budget filled during its handshake.
      this.counters.count('refusedAtCapacity');
      socket.destroy();
      return;
    }
    this.authenticated++;
    socket.once('close', () => this.authenticated--);
  }

  /**
   * The handshake failed (or the connection closed before finishing it): it
   * leaves the pending pool. True when this admission closed it, so the
   * failure is already counted here and is no refusal to audit.
   */
  handshakeFailed(socket: TLSSocket): boolean {
    const raw = rawSocketOf(socket);
    const entry = this.pending.get(raw);
    if (entry) this.forget(entry);
    return this.shedSockets.has(raw);
  }

  /** The deadline a pending handshake has now: the max up to half a pool, down to the min at a full one. */
  handshakeDeadlineMs(): number {
    const { handshakeTimeoutMs: max, minHandshakeTimeoutMs: min, maxPendingHandshakes } = this.limits;
    const pressure = Math.min(1, Math.max(0, (this.pending.size / maxPendingHandshakes - SCALE_FROM) / (1 - SCALE_FROM)));
    return Math.round(max - (max - min) * pressure);
  }

  status(): AdmissionStatus {
    return { pending: this.pending.size, authenticated: this.authenticated, handshakeDeadlineMs: this.handshakeDeadlineMs(), shed: this.counters.snapshot() };
  }

  /** Writes the summary line now (the interval does it on its own); for a clean shutdown and for tests. */
  report(periodMs: number): void {
    this.reporter.report(periodMs);
  }

  private gauges(): AdmissionGauges {
    let busiestAddress: AdmissionGauges['busiestAddress'] = null;
    // Once per report, bounded by the pool's size.
    for (const [address, pending] of this.pendingByAddress) {
      if (!busiestAddress || pending > busiestAddress.pending) busiestAddress = { address, pending };
    }
    return { pending: this.pending.size, authenticated: this.authenticated, handshakeDeadlineMs: this.handshakeDeadlineMs(), busiestAddress };
  }

  /** Closes pending connections past the deadline, oldest first; the first one within it ends the sweep. */
  private expire(now: number): void {
    for (const entry of this.pending.values()) {
      if (now - entry.since < this.handshakeDeadlineMs()) break;
      this.forget(entry);
      this.shed(entry.raw, 'handshakeDeadlineExpired');
    }
    if (this.pending.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Often enough that a deadline is kept to within a quarter of the shortest one. */
  private sweepEveryMs(): number {
    return Math.max(10, Math.min(250, this.limits.minHandshakeTimeoutMs / 4));
  }

  private forget(entry: Pending): void {
    this.pending.delete(entry.raw);
    const left = (this.pendingByAddress.get(entry.address) ?? 1) - 1;
    if (left === 0) this.pendingByAddress.delete(entry.address);
    else this.pendingByAddress.set(entry.address, left);
  }

  /** A reset rather than a FIN: no TIME_WAIT left on the server for a connection nobody will miss. */
  private shed(raw: Socket, decision: ShedDecision): false {
    this.counters.count(decision);
    this.shedSockets.add(raw);
    if (!raw.destroyed) raw.resetAndDestroy();
    return false;
  }
}

/**
 * The TCP socket a server-side TLSSocket wraps: `_parent`, which
 * TLSSocket's constructor sets to the net.Socket it was given (Node 26.10's
 * lib/_tls_wrap.js; the tests of the admission fail if that changes). The
 * raw socket is what the gate saw at accept, before any TLSSocket existed.
 */
function rawSocketOf(socket: TLSSocket): Socket {
  return (socket as TLSSocket & { _parent?: Socket })._parent ?? socket;
}
