/** What the transport scenario and its two processes per contender (server.ts, client.ts) say to each other. */

/** The two ways one service can call another that the scenario compares. */
export const TRANSPORTS = ['http1.1-pool', 'http2'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/** `request.raw.httpVersion` each contender's server must see on every request, and the ALPN protocol on every connection. */
export const EXPECTED_PROTOCOL: Record<TransportName, { readonly httpVersion: string; readonly alpn: string }> = {
  'http1.1-pool': { httpVersion: '1.1', alpn: 'http/1.1' },
  http2: { httpVersion: '2.0', alpn: 'h2' },
};

/** The hop measured: orders asking inventory for a reservation, as the order flow does. */
export const HOP = { caller: 'orders', callee: 'inventory', method: 'POST', path: '/reservations' } as const;

/** What a server has seen since it started, by protocol: counted by the server itself, so a fallback cannot hide. */
export interface ServerCounts {
  /** Requests by `request.raw.httpVersion`. */
  readonly requests: Record<string, number>;
  /** TLS connections by the ALPN protocol they negotiated (`none` when ALPN did not happen). */
  readonly connections: Record<string, number>;
  /** Requests refused (a peer the hop's policy does not allow, or a body that is not an order): 0 in a sound run. */
  readonly refused: number;
}

export type ServerMessage = { readonly kind: 'listening' } | { readonly kind: 'counts'; readonly counts: ServerCounts };

export interface ClientOpen {
  readonly transport: TransportName;
  /** `https://host:port`. */
  readonly origin: string;
  readonly certsDir: string;
  /** HTTP/1.1 connections the client may open (HTTP/2 needs one: its streams are multiplexed on it). */
  readonly maxConnections: number;
}

export interface RoundRequest {
  /** Requests in flight at every moment: each answer sends the next request (a closed loop). */
  readonly inFlight: number;
  readonly seconds: number;
}

export interface RoundOutcome {
  /** Requests answered 200 with the expected body. */
  readonly answered: number;
  readonly errors: number;
  /** Errors by kind (`HTTP 403`, an error code), to say what went wrong. */
  readonly failures: Record<string, number>;
  readonly wallSeconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Connections the client's dispatcher opened during the round (0 once the pool is warm). */
  readonly connectionsOpened: number;
}

export type ClientMessage = { readonly kind: 'opened' } | { readonly kind: 'round'; readonly outcome: RoundOutcome };
