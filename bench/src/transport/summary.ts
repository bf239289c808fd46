/**
 * The transport scenario's arithmetic and its sentences, kept apart from its processes so that
 * they can be tested: a round's figures, the medians, HTTP/2 over HTTP/1.1 as ratios, whether
 * each contender really spoke its protocol, and what the figures show, said from the figures.
 */
import { medianOfEach, ratio } from '../stats';
import { EXPECTED_PROTOCOL, TRANSPORTS, type RoundOutcome, type ServerCounts, type TransportName } from './protocol';

const pct = (share: number) => `${Math.round(share * 100)}%`;

export interface TransportSample {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU microseconds (user + system, from /proc) per answered request, of the callee's process. */
  readonly serverCpuUsPerRequest: number;
  /** The same for the caller's process: the undici client, its TLS and its closed loop. */
  readonly clientCpuUsPerRequest: number;
  /** CPU seconds per wall second: 1 is a whole core. */
  readonly serverCpuShare: number;
  readonly clientCpuShare: number;
  /** How long each process's main thread was ready to run but waited for a core, per wall second (/proc/<pid>/schedstat). */
  readonly serverWaitShare: number;
  readonly clientWaitShare: number;
  /** The share of the machine's cores that other programs kept busy during the round (the machine is shared). */
  readonly othersBusy: number;
  readonly errors: number;
  /** Connections opened during the round: 0 when every handshake happened in the warm-up. */
  readonly connectionsOpened: number;
}

/** HTTP/2 over pooled HTTP/1.1: above 1 is more for HTTP/2 (more requests/s, or more CPU per request, or a slower p99). */
export interface TransportRatios {
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  readonly serverCpuPerRequest: number;
  readonly clientCpuPerRequest: number;
  /** Throughput round by round (each HTTP/2 round over the HTTP/1.1 round next to it): how much one comparison moves. */
  readonly throughputByRound: { readonly min: number; readonly max: number };
}

/** One level of requests in flight: every round of both contenders, their medians and the ratios. */
export interface TransportLevel {
  readonly inFlight: number;
  readonly samples: Record<TransportName, TransportSample[]>;
  readonly medians: Record<TransportName, TransportSample>;
  readonly ratios: TransportRatios;
}

/** What each contender's server counted over the whole run (warm-up included), and what its client was answered. */
export interface ProtocolSeen extends ServerCounts {
  readonly clientAnswered: number;
  readonly clientErrors: number;
  /** The client's errors by kind (`HTTP 403`, an error code). */
  readonly clientFailures: Record<string, number>;
}

export const TRANSPORT_LABELS: Record<TransportName, string> = { 'http1.1-pool': 'pooled HTTP/1.1', http2: 'HTTP/2' };

/** What the round cost, read from /proc around it: seconds of each side, and the machine's busy share. */
export interface RoundUsage {
  readonly serverCpuSeconds: number;
  readonly clientCpuSeconds: number;
  /** Seconds each main thread waited for a core. */
  readonly serverWaitSeconds: number;
  readonly clientWaitSeconds: number;
  /** The machine's cores' busy share over the round, every program's (0..1). */
  readonly machineBusy: number;
  readonly machineCores: number;
}

/** One round's figures, from the client's outcome and what each process used during it. */
export function transportSample(outcome: RoundOutcome, usage: RoundUsage): TransportSample {
  const wall = outcome.wallSeconds;
  const perRequest = (seconds: number) => (outcome.answered > 0 ? (seconds * 1e6) / outcome.answered : Number.NaN);
  const ours = (usage.serverCpuSeconds + usage.clientCpuSeconds) / wall / usage.machineCores;
  return {
    requestsPerSecond: outcome.answered / wall,
    p50Ms: outcome.p50Ms,
    p99Ms: outcome.p99Ms,
    serverCpuUsPerRequest: perRequest(usage.serverCpuSeconds),
    clientCpuUsPerRequest: perRequest(usage.clientCpuSeconds),
    serverCpuShare: usage.serverCpuSeconds / wall,
    clientCpuShare: usage.clientCpuSeconds / wall,
    serverWaitShare: usage.serverWaitSeconds / wall,
    clientWaitShare: usage.clientWaitSeconds / wall,
    othersBusy: Math.max(0, usage.machineBusy - ours),
    errors: outcome.errors,
    connectionsOpened: outcome.connectionsOpened,
  };
}

/** The median of every figure over the rounds, except errors and connections opened, which are counted over all of them. */
export function medianTransportSample(samples: readonly TransportSample[]): TransportSample {
  const total = (field: 'errors' | 'connectionsOpened') => samples.reduce((sum, s) => sum + s[field], 0);
  return { ...medianOfEach(samples), errors: total('errors'), connectionsOpened: total('connectionsOpened') };
}

export function transportLevel(inFlight: number, samples: Record<TransportName, TransportSample[]>): TransportLevel {
  const medians = { 'http1.1-pool': medianTransportSample(samples['http1.1-pool']), http2: medianTransportSample(samples.http2) };
  const [h1, h2] = [medians['http1.1-pool'], medians.http2];
  const byRound = samples.http2.map((s, round) => s.requestsPerSecond / samples['http1.1-pool'][round]!.requestsPerSecond);
  return {
    inFlight,
    samples,
    medians,
    ratios: {
      throughput: ratio(h2.requestsPerSecond, h1.requestsPerSecond),
      p50: ratio(h2.p50Ms, h1.p50Ms),
      p99: ratio(h2.p99Ms, h1.p99Ms),
      serverCpuPerRequest: ratio(h2.serverCpuUsPerRequest, h1.serverCpuUsPerRequest),
      clientCpuPerRequest: ratio(h2.clientCpuUsPerRequest, h1.clientCpuUsPerRequest),
      throughputByRound: { min: ratio(Math.min(...byRound), 1), max: ratio(Math.max(...byRound), 1) },
    },
  };
}

const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
const others = (counts: Record<string, number>, expected: string) => Object.entries(counts).filter(([key, count]) => key !== expected && count > 0);
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, count) => total + count, 0);

/**
 * Why a contender's figures would not measure its protocol, one sentence each; none when it
 * spoke only its own protocol, on every connection and every request, and the server served
 * exactly what the client was answered.
 */
export function protocolProblems(transport: TransportName, seen: ProtocolSeen): string[] {
  const expected = EXPECTED_PROTOCOL[transport];
  const name = TRANSPORT_LABELS[transport];
  const problems: string[] = [];
  const served = sum(seen.requests);
  if (served === 0) problems.push(`the ${name} server saw no request`);
  for (const [version, count] of others(seen.requests, expected.httpVersion)) {
    problems.push(`the ${name} server saw ${plural(count, 'request')} in HTTP/${version}, not ${expected.httpVersion}`);
  }
  for (const [alpn, count] of others(seen.connections, expected.alpn)) {
    problems.push(`the ${name} server saw ${plural(count, 'connection')} negotiate ALPN "${alpn}", not "${expected.alpn}"`);
  }
  if (seen.refused > 0) problems.push(`the ${name} server refused ${plural(seen.refused, 'request')}`);
  if (seen.clientErrors === 0 && served !== seen.clientAnswered) {
    problems.push(`the ${name} server counted ${plural(served, 'request')} but its client was answered ${seen.clientAnswered.toLocaleString('en-US')}`);
  }
  return problems;
}

/** One sentence per level and one across them: what the figures show, and nothing they do not. */
export function transportFindings(levels: readonly TransportLevel[]): string[] {
  const winners = levels.map(roundWinner);
  const sentences = levels.map((level, i) => {
    const r = level.ratios;
    const rounds = level.samples.http2.length;
    const spread = rounds > 1 ? ` (round by round ${r.throughputByRound.min}–${r.throughputByRound.max}×)` : '';
    const verdict =
      rounds < 2
        ? 'One round is no comparison.'
        : winners[i] === 'http2'
          ? `HTTP/2 served more in each of the ${rounds} rounds.`
          : winners[i] === 'http1.1-pool'
            ? `Pooled HTTP/1.1 served more in each of the ${rounds} rounds.`
            : `The ${rounds} rounds disagree on which served more.`;
    return (
      `At ${level.inFlight} in flight, HTTP/2 served ${r.throughput}× the requests/s of pooled HTTP/1.1${spread}, ` +
      `at ${r.serverCpuPerRequest}× the server CPU and ${r.clientCpuPerRequest}× the client CPU per request, with ${r.p99}× the p99. ${verdict}`
    );
  });
  if (levels.length > 1) {
    const first = winners[0];
    sentences.push(
      first !== undefined && winners.every((w) => w === first)
        ? `${first === 'http2' ? 'HTTP/2' : 'Pooled HTTP/1.1'} served more in every round at every level measured.`
        : 'No transport served more in every round at every level measured.',
    );
  }
  return sentences;
}

/** A process that used at least this share of one core over a round counts as saturated (as for the chain). */
export const SATURATED = 0.9;
/** A main thread that waited for a core this share of a round or more was held back by the machine, not by its own work. */
export const STARVED = 0.1;

/**
 * What held each contender back at a level, from its medians: the side that used the most of
 * its core (saturated or not), how long the two waited for a core, and what other programs used.
 */
export function transportLimits(level: TransportLevel): string {
  const parts = TRANSPORTS.map((transport) => {
    const s = level.medians[transport];
    const [side, share] = s.clientCpuShare >= s.serverCpuShare ? ['client', s.clientCpuShare] : ['server', s.serverCpuShare];
    const state = share >= SATURATED ? 'saturated' : `no process at ${pct(SATURATED)} of a core`;
    return `${TRANSPORT_LABELS[transport]}'s busiest process was its ${side} at ${pct(share)} of a core (${state}; waiting for a core ${pct(s.serverWaitShare)} server, ${pct(s.clientWaitShare)} client)`;
  });
  const others = Math.max(...TRANSPORTS.map((transport) => level.medians[transport].othersBusy));
  const waits = TRANSPORTS.flatMap((transport) => [level.medians[transport].serverWaitShare, level.medians[transport].clientWaitShare]);
  const starved =
    Math.max(...waits) >= STARVED
      ? ` The two sides' main threads waited for a core ${pct(Math.min(...waits))}–${pct(Math.max(...waits))} of the time: these rates are partly the other programs'.`
      : '';
  return `At ${level.inFlight} in flight, ${parts.join('; ')}. Other programs kept up to ${pct(others)} of the machine busy.${starved}`;
}

/** The contender that served more in every round of a level, if one did (a single round decides nothing). */
function roundWinner(level: TransportLevel): TransportName | undefined {
  if (level.samples.http2.length < 2) return undefined;
  const { min, max } = level.ratios.throughputByRound;
  return min > 1 ? 'http2' : max < 1 ? 'http1.1-pool' : undefined;
}
