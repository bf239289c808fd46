import type { RoundOutcome } from '../src/transport/protocol';
import {
  protocolProblems,
  transportFindings,
  transportLevel,
  transportLimits,
  transportSample,
  type ProtocolSeen,
  type RoundUsage,
  type TransportSample,
} from '../src/transport/summary';

const outcome = (answered: number, extra: Partial<RoundOutcome> = {}): RoundOutcome => ({
  answered,
  errors: 0,
  failures: {},
  wallSeconds: 2,
  p50Ms: 1,
  p99Ms: 4,
  connectionsOpened: 0,
  ...extra,
});

const usage = (serverCpuSeconds: number, clientCpuSeconds: number, extra: Partial<RoundUsage> = {}): RoundUsage => ({
  serverCpuSeconds,
  clientCpuSeconds,
  serverWaitSeconds: 0,
  clientWaitSeconds: 0,
  machineBusy: (serverCpuSeconds + clientCpuSeconds) / 2 / 2,
  machineCores: 2,
  ...extra,
});

/** A round at `rps` requests/s costing `serverUs` and `clientUs` of CPU per request. */
const sample = (rps: number, serverUs = 100, clientUs = 100, p99Ms = 4): TransportSample =>
  transportSample(outcome(rps * 2, { p99Ms }), usage((rps * 2 * serverUs) / 1e6, (rps * 2 * clientUs) / 1e6));

const seen = (extra: Partial<ProtocolSeen> = {}): ProtocolSeen => ({
  requests: { '2.0': 1000 },
  connections: { h2: 1 },
  refused: 0,
  clientAnswered: 1000,
  clientErrors: 0,
  clientFailures: {},
  ...extra,
});

describe('the transport scenario: HTTP/2 against pooled HTTP/1.1', () => {
  it("turns a round into requests/s and each side's CPU per request", () => {
    // 2 s on 2 cores: the machine 60% busy is 2.4 core-seconds, of which the two sides used 1.
    const s = transportSample(outcome(4000, { errors: 2, connectionsOpened: 1 }), usage(0.4, 0.6, { serverWaitSeconds: 0.1, machineBusy: 0.6 }));
    expect(s.requestsPerSecond).toBe(2000);
    expect(s.serverCpuUsPerRequest).toBeCloseTo(100);
    expect(s.clientCpuUsPerRequest).toBeCloseTo(150);
    expect(s.serverCpuShare).toBeCloseTo(0.2);
    expect(s.serverWaitShare).toBeCloseTo(0.05);
    expect(s.othersBusy).toBeCloseTo(0.35);
    expect(s.errors).toBe(2);
    expect(transportSample(outcome(0), usage(0.1, 0.1)).serverCpuUsPerRequest).toBeNaN();
  });

  it('takes the medians, counts errors and connections over every round, and puts HTTP/2 over HTTP/1.1', () => {
    const level = transportLevel(8, {
      'http1.1-pool': [sample(1000, 100, 200), sample(1100, 110, 200), sample(900, 90, 200)],
      http2: [sample(1200, 150, 100, 2), { ...sample(1210, 150, 100, 2), errors: 1, connectionsOpened: 1 }, sample(1000, 150, 100, 2)],
    });
    expect(level.medians['http1.1-pool'].requestsPerSecond).toBe(1000);
    expect(level.medians.http2.requestsPerSecond).toBe(1200);
    expect(level.medians.http2.errors).toBe(1);
    expect(level.medians.http2.connectionsOpened).toBe(1);
    expect(level.ratios).toEqual({
      throughput: 1.2,
      p50: 1,
      p99: 0.5,
      serverCpuPerRequest: 1.5,
      clientCpuPerRequest: 0.5,
      throughputByRound: { min: 1.1, max: 1.2 },
    });
  });

  it('says what the figures show at each level, and which transport served more only when every round agrees', () => {
    const won = transportLevel(8, { 'http1.1-pool': [sample(1000), sample(1000)], http2: [sample(1500, 80), sample(1300, 80)] });
    const mixed = transportLevel(32, { 'http1.1-pool': [sample(1000), sample(1000)], http2: [sample(1100), sample(900)] });
    const [atEight, atThirtyTwo, across] = transportFindings([won, mixed]);
    expect(atEight).toBe(
      'At 8 in flight, HTTP/2 served 1.4× the requests/s of pooled HTTP/1.1 (round by round 1.3–1.5×), at 0.8× the server CPU and 1× the client CPU per request, with 1× the p99. HTTP/2 served more in each of the 2 rounds.',
    );
    expect(atThirtyTwo).toContain('The 2 rounds disagree on which served more.');
    expect(across).toBe('No transport served more in every round at every level measured.');

    const lost = transportLevel(32, { 'http1.1-pool': [sample(1000), sample(1000)], http2: [sample(700), sample(800)] });
    expect(transportFindings([lost, lost])).toEqual([
      expect.stringContaining('Pooled HTTP/1.1 served more in each of the 2 rounds.'),
      expect.stringContaining('Pooled HTTP/1.1 served more in each of the 2 rounds.'),
      'Pooled HTTP/1.1 served more in every round at every level measured.',
    ]);
    expect(transportFindings([transportLevel(8, { 'http1.1-pool': [sample(1000)], http2: [sample(2000)] })])[0]).toMatch(/One round is no comparison\.$/);
  });

  it('names the busiest process of each contender, whether it was saturated, and what others used', () => {
    const level = transportLevel(32, {
      'http1.1-pool': [transportSample(outcome(4000), usage(0.8, 1.9, { clientWaitSeconds: 0.2, machineBusy: 0.8 }))],
      http2: [transportSample(outcome(3000), usage(1.0, 1.2, { machineBusy: 0.6 }))],
    });
    expect(transportLimits(level)).toBe(
      "At 32 in flight, pooled HTTP/1.1's busiest process was its client at 95% of a core (saturated; waiting for a core 0% server, 10% client); " +
        "HTTP/2's busiest process was its client at 60% of a core (no process at 90% of a core; waiting for a core 0% server, 0% client). " +
        'Other programs kept up to 13% of the machine busy. ' +
        "The two sides' main threads waited for a core 0%–10% of the time: these rates are partly the other programs'.",
    );
  });

  it('accepts a contender only when its server saw its own protocol on every request and connection', () => {
    expect(protocolProblems('http2', seen())).toEqual([]);
    expect(protocolProblems('http1.1-pool', seen({ requests: { '1.1': 1000 }, connections: { 'http/1.1': 9 } }))).toEqual([]);
  });

  it('names a fallback, a refusal, a lost request and a server that saw nothing', () => {
    expect(protocolProblems('http2', seen({ requests: { '2.0': 400, '1.1': 600 }, connections: { h2: 1, 'http/1.1': 8 } }))).toEqual([
      'the HTTP/2 server saw 600 requests in HTTP/1.1, not 2.0',
      'the HTTP/2 server saw 8 connections negotiate ALPN "http/1.1", not "h2"',
    ]);
    expect(protocolProblems('http1.1-pool', seen({ requests: { '1.1': 10 }, connections: { 'http/1.1': 1 }, refused: 1, clientAnswered: 9 }))).toEqual([
      'the pooled HTTP/1.1 server refused 1 request',
      'the pooled HTTP/1.1 server counted 10 requests but its client was answered 9',
    ]);
    expect(protocolProblems('http2', seen({ requests: {}, connections: {}, clientAnswered: 0 }))).toEqual(['the HTTP/2 server saw no request']);
  });
});
