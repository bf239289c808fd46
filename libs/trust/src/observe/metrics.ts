import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { PlainCounter, PlainHistogram, type CounterSeries, type HistogramSeries } from './series';
import type { Identity } from '../identity';
import type { RefusalClass } from '../refusal-class';

/**
 * The metric contract (names and labels are relied on by dashboards, `mesh stat` and the
 * Prometheus test: change them only together with those). Every label value comes from the
 * manifest or from a fixed list, never from what a caller sent, so the number of series is
 * bounded by the manifest: callers by their short name (`unknown` for anyone else), routes by
 * their pattern (`unmatched` for a path no route matches), outcomes by status or failure kind.
 */
export const METRIC_NAMES = {
  serverRequests: 'portcullis_server_requests_total',
  serverDuration: 'portcullis_server_request_duration_seconds',
  clientRequests: 'portcullis_client_requests_total',
  clientDuration: 'portcullis_client_request_duration_seconds',
  tlsRefusals: 'portcullis_tls_refusals_total',
  authorizationDenials: 'portcullis_authorization_denials_total',
  certificateExpiry: 'portcullis_certificate_expiry_timestamp_seconds',
  certificateInfo: 'portcullis_certificate_info',
  trustBundleInfo: 'portcullis_trust_bundle_info',
  identityReloads: 'portcullis_identity_reloads_total',
  connectionsShed: 'portcullis_connections_shed_total',
} as const;

/** From a millisecond on loopback to the client's 5 s response timeout. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** A caller the manifest does not know (no certificate, a foreign one, an unlisted identity). */
export const UNKNOWN_PEER = 'unknown';
/** A request whose path and method match no route the service serves. */
export const UNMATCHED_ROUTE = 'unmatched';

/** `unknown CA` -> `unknown_ca`: label values in Prometheus' usual spelling. */
export function refusalLabel(refusalClass: RefusalClass): string {
  return refusalClass.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

/**
 * One edge of the server side (a caller, a route, a method): its series are looked up once and
 * kept, so that a request costs three map lookups and a few additions, and builds no string.
 */
export class ServerEdge {
  private readonly statuses = new Map<number, CounterSeries>();
  private readonly duration: HistogramSeries;

  constructor(
    private readonly requests: PlainCounter,
    duration: PlainHistogram,
    private readonly labels: Readonly<{ source: string; route: string; method: string }>,
  ) {
    this.duration = duration.series(labels);
  }

  /** The caller's short name (or `unknown`), for the request's log line. */
  get source(): string {
    return this.labels.source;
  }

  served(status: number, seconds: number): void {
    let counter = this.statuses.get(status);
    if (!counter) {
      counter = this.requests.series({ ...this.labels, status: String(status) });
      this.statuses.set(status, counter);
    }
    counter.inc();
    this.duration.observe(seconds);
  }
}

/** The client side of one target: outcomes are a status code or a MeshCallError kind. */
export class ClientEdge {
  private readonly outcomes = new Map<string | number, CounterSeries>();
  private readonly duration: HistogramSeries;

  constructor(
    private readonly requests: PlainCounter,
    duration: PlainHistogram,
    private readonly target: string,
  ) {
    this.duration = duration.series({ target });
  }

  /** `outcome`: the HTTP status, or the failure kind of a call that got no usable answer. */
  finished(outcome: number | string, seconds: number): void {
    let counter = this.outcomes.get(outcome);
    if (!counter) {
      counter = this.requests.series({ target: this.target, outcome: String(outcome) });
      this.outcomes.set(outcome, counter);
    }
    counter.inc();
    this.duration.observe(seconds);
  }
}

/**
 * One registry per service, every series labelled `service="<name>"`, counted where the
 * requests are (the authorization hook, the mesh client, the TLS server, the identity watch).
 */
export class MeshMetrics {
  readonly registry = new Registry();
  private readonly serverRequests: PlainCounter;
  private readonly serverDuration: PlainHistogram;
  private readonly clientRequests: PlainCounter;
  private readonly clientDuration: PlainHistogram;
  private readonly tlsRefusals: Counter<'reason'>;
  private readonly denials: Counter<'source' | 'route'>;
  private readonly certificateExpiry: Gauge;
  private readonly certificateInfo: Gauge<'serial' | 'spiffe_id'>;
  private readonly bundleInfo: Gauge<'fingerprint'>;
  private readonly reloads: Counter<'result'>;
  private readonly shed: Counter<'decision'>;
  private shedCounts: (() => Readonly<Record<string, number>>) | undefined;
  private readonly serverEdges = new Map<string, Map<string, Map<string, ServerEdge>>>();
  private readonly clientEdges = new Map<string, ClientEdge>();

  constructor(
    readonly service: string,
    options: { readonly processMetrics?: boolean } = {},
  ) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service });
    // The four per-request metrics are plain-number series (see series.ts); the rest are prom-client's.
    this.serverRequests = new PlainCounter(
      METRIC_NAMES.serverRequests,
      'Requests this service answered, 403s included, by caller, route pattern, method and status.',
      this.registry,
    );
    this.serverDuration = new PlainHistogram(
      METRIC_NAMES.serverDuration,
      'Time from the request to its response, by caller, route pattern and method.',
      DURATION_BUCKETS,
      this.registry,
    );
    this.clientRequests = new PlainCounter(
      METRIC_NAMES.clientRequests,
      'Calls this service made to its peers, by target and outcome (HTTP status, or the failure kind of a call without a usable answer).',
      this.registry,
    );
    this.clientDuration = new PlainHistogram(
      METRIC_NAMES.clientDuration,
      'Time of a call to a peer, waiting for a connection included.',
      DURATION_BUCKETS,
      this.registry,
    );
    this.tlsRefusals = new Counter({
      name: METRIC_NAMES.tlsRefusals,
      help: 'Peers refused for their certificate or identity, at the handshake or at the request, by reason class.',
      labelNames: ['reason'],
      registers,
    });
    this.denials = new Counter({
      name: METRIC_NAMES.authorizationDenials,
      help: "Identified callers the route's policy does not allow.",
      labelNames: ['source', 'route'],
      registers,
    });
    this.certificateExpiry = new Gauge({ name: METRIC_NAMES.certificateExpiry, help: "The current leaf certificate's notAfter, in Unix seconds.", registers });
    this.certificateInfo = new Gauge({
      name: METRIC_NAMES.certificateInfo,
      help: 'The current leaf certificate (always 1).',
      labelNames: ['serial', 'spiffe_id'],
      registers,
    });
    this.bundleInfo = new Gauge({
      name: METRIC_NAMES.trustBundleInfo,
      help: 'Each trusted root by SHA-256 fingerprint (always 1).',
      labelNames: ['fingerprint'],
      registers,
    });
    this.reloads = new Counter({
      name: METRIC_NAMES.identityReloads,
      help: 'Identity updates from the files, applied or refused.',
      labelNames: ['result'],
      registers,
    });
    this.shed = new Counter({
      name: METRIC_NAMES.connectionsShed,
      help: 'Connections shed before the handshake, by admission decision.',
      labelNames: ['decision'],
      registers,
      // The admission keeps its own counts (GET /healthz reports them); they are read at scrape time.
      collect: () => {
        const counts = this.shedCounts?.();
        if (!counts) return;
        this.shed.reset();
        for (const [decision, count] of Object.entries(counts)) this.shed.inc({ decision: snakeCase(decision) }, count);
      },
    });
    // Both results exist from the start at 0, so that a rate or an alert has a series to look at.
    this.reloads.inc({ result: 'applied' }, 0);
    this.reloads.inc({ result: 'refused' }, 0);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The server-side counters of a caller on a route (`route`: the manifest's pattern). Nested
   * maps rather than one keyed by a joined string: a lookup builds no string per request.
   */
  serverEdge(source: string, method: string, route: string): ServerEdge {
    const routes = ensure(this.serverEdges, source, () => new Map<string, Map<string, ServerEdge>>());
    const methods = ensure(routes, route, () => new Map<string, ServerEdge>());
    return ensure(methods, method, () => new ServerEdge(this.serverRequests, this.serverDuration, { source, route, method }));
  }

  clientEdge(target: string): ClientEdge {
    return ensure(this.clientEdges, target, () => new ClientEdge(this.clientRequests, this.clientDuration, target));
  }

  tlsRefused(refusalClass: RefusalClass): void {
    this.tlsRefusals.inc({ reason: refusalLabel(refusalClass) });
  }

  denied(source: string, route: string): void {
    this.denials.inc({ source, route });
  }

  identityReload(result: 'applied' | 'refused'): void {
    this.reloads.inc({ result });
  }

  /** Where the pre-handshake admission keeps its counts (`refusedPerAddress`, ...), exported as snake_case decisions. */
  countShedding(counts: () => Readonly<Record<string, number>>): void {
    this.shedCounts = counts;
  }

  /** The current identity: its expiry, serial and trusted roots, replacing the previous one's. */
  identity(identity: Identity): void {
    this.certificateExpiry.set(Math.floor(identity.leaf.validToDate.getTime() / 1000));
    this.certificateInfo.reset();
    this.certificateInfo.set({ serial: identity.leaf.serialNumber, spiffe_id: identity.id }, 1);
    this.bundleInfo.reset();
    for (const root of identity.bundle) this.bundleInfo.set({ fingerprint: root.fingerprint256 }, 1);
  }
}

/** `refusedPerAddress` -> `refused_per_address`. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function ensure<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
