import type { TransportReport } from '../scenarios/transport';
import { TRANSPORTS, type TransportName } from '../transport/protocol';
import { TRANSPORT_LABELS, transportFindings, transportLimits, type ProtocolSeen } from '../transport/summary';

const n0 = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 10 ? 2 : 1) : '–');
const pct = (share: number) => `${Math.round(share * 100)}%`;
const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

/** What the sentences say: the problems when the run did not compare the two protocols, otherwise its findings. */
function findings(t: TransportReport): string[] {
  return t.problems.length > 0 ? [`Not a comparison of the two protocols: ${t.problems.join('; ')}.`] : transportFindings(t.levels);
}

/** What each server counted: requests by HTTP version, connections by ALPN. */
function seen(transport: TransportName, p: ProtocolSeen): string {
  const list = (counts: Record<string, number>, prefix: string) =>
    Object.entries(counts)
      .map(([key, count]) => `${n0(count)} ${prefix}${key}`)
      .join(', ') || 'none';
  const failures = Object.entries(p.clientFailures).map(([why, count]) => `${why} (${n0(count)})`);
  return (
    `${TRANSPORT_LABELS[transport]}: the server counted requests ${list(p.requests, 'HTTP/')} over connections ${list(p.connections, 'ALPN ')}, ` +
    `refused ${n0(p.refused)}; the client was answered ${n0(p.clientAnswered)} times${failures.length > 0 ? `, and failed ${failures.join(', ')}` : ', with no error'}.`
  );
}

/** `--transport-only`'s summary and the full run's lines for the terminal. */
export function transportSummary(t: TransportReport): string {
  const levels = t.levels.map(
    (level) =>
      `transport at ${level.inFlight} in flight, req/s: ${TRANSPORTS.map((name) => `${TRANSPORT_LABELS[name]} ${n0(level.medians[name].requestsPerSecond)}`).join(', ')}; ` +
      `HTTP/2 / HTTP/1.1: throughput ${level.ratios.throughput}×, server CPU per request ${level.ratios.serverCpuPerRequest}×, client CPU per request ${level.ratios.clientCpuPerRequest}×`,
  );
  return [...levels, ...findings(t), ...(t.problems.length > 0 ? [] : t.levels.map(transportLimits))].join('\n');
}

/** BENCHMARKS.md's section: every median, the ratios, what each server saw, and what the figures show. */
export function transportSection(t: TransportReport | undefined): string {
  const title = '## 7. Between services: HTTP/2 against pooled HTTP/1.1';
  if (!t) return `${title}\n\nNot measured in this run: \`node bench/dist/cli.js --transport-only\` measures it alone.`;
  const p = t.plan;
  const rows = t.levels.flatMap((level) =>
    TRANSPORTS.map((name) => {
      const s = level.medians[name];
      return [
        level.inFlight,
        TRANSPORT_LABELS[name],
        n0(s.requestsPerSecond),
        ms(s.p50Ms),
        ms(s.p99Ms),
        n0(s.serverCpuUsPerRequest),
        n0(s.clientCpuUsPerRequest),
        `${pct(s.serverCpuShare)} (+${pct(s.serverWaitShare)})`,
        `${pct(s.clientCpuShare)} (+${pct(s.clientWaitShare)})`,
        pct(s.othersBusy),
        s.connectionsOpened,
        s.errors,
      ];
    }),
  );
  const ratios = t.levels.map((level) => {
    const r = level.ratios;
    return [
      level.inFlight,
      `${r.throughput}× (${r.throughputByRound.min}–${r.throughputByRound.max}×)`,
      `${r.p50}×`,
      `${r.p99}×`,
      `${r.serverCpuPerRequest}×`,
      `${r.clientCpuPerRequest}×`,
    ];
  });
  return `${title}

One service calling another, \`${t.hop}\` with a small JSON order and a small JSON answer, over mutual TLS
with the mesh's certificates (the server asks for and verifies the client's, the client pins the server's SPIFFE ID).
The server is one Fastify app, over HTTPS for HTTP/1.1 and with \`http2: true\` and \`allowHTTP1\` for HTTP/2; on every
request it identifies the caller from its connection's certificate and checks the route's policy. The client is an undici
Agent built as the mesh client builds it: pooled HTTP/1.1 keep-alive connections (at most ${t.maxConnections}, the mesh client's cap),
or \`allowH2\`, streams multiplexed on one connection. Server and client are processes of their own (${t.placement}); CPU per
request is each one's CPU time from /proc over the requests answered; "CPU" is each one's share of a core, "+waiting" how long its
main thread was ready to run but waited for a core, "others" the share of the machine other programs kept busy. A closed loop at each level of requests in flight,
${p.rounds} rounds of ${p.seconds} s per contender after ${p.warmUpSeconds} s of warm-up each, interleaved round by round; medians.

${table(['In flight', 'Transport', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'client CPU µs/req', 'server CPU (+waiting)', 'client CPU (+waiting)', 'others', 'connections opened', 'errors'], rows)}

HTTP/2 over pooled HTTP/1.1 (above 1: more for HTTP/2; throughput round by round in brackets):

${table(['In flight', 'throughput', 'p50', 'p99', 'server CPU per request', 'client CPU per request'], ratios)}

What each protocol really was, counted by the servers over the whole run, warm-up included:
${TRANSPORTS.map((name) => `- ${seen(name, t.protocols[name])}`).join('\n')}

${findings(t).join(' ')}

**What limits it.** ${t.levels.map(transportLimits).join(' ')}`;
}
