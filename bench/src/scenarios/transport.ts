import { join } from 'node:path';
import type { Fixture } from '../contenders/fixture';
import { interleaved } from '../interleave';
import { cpuSeconds, machineCores, machineTicks, runQueueSeconds, type CpuLayout } from '../processes';
import { DEFAULT_MAX_CONNECTIONS_PER_TARGET } from '@portcullis/trust';
import { startChild, type Child } from '../child';
import { HOP, TRANSPORTS, type ClientMessage, type RoundOutcome, type ServerMessage, type TransportName } from '../transport/protocol';
import { protocolProblems, transportLevel, transportSample, type ProtocolSeen, type TransportLevel, type TransportSample } from '../transport/summary';

export interface TransportPlan {
  readonly rounds: number;
  readonly seconds: number;
  /** The levels of requests in flight, each measured on its own. */
  readonly inFlight: readonly number[];
  /** Before each level, each contender runs this long at that level, not counted: every connection is open and the JIT warm. */
  readonly warmUpSeconds: number;
}

export interface TransportReport {
  readonly plan: TransportPlan;
  /** The call measured, e.g. `orders → inventory POST /reservations`. */
  readonly hop: string;
  /** The HTTP/1.1 pool's cap, the mesh client's own (DEFAULT_MAX_CONNECTIONS_PER_TARGET). */
  readonly maxConnections: number;
  /** Where each side ran: `server on CPU 1, client on CPU 0`, or nothing pinned. */
  readonly placement: string;
  readonly levels: TransportLevel[];
  readonly protocols: Record<TransportName, ProtocolSeen>;
  /** Why the figures would not compare the two protocols (one fell back, requests refused or lost): empty in a sound run. */
  readonly problems: string[];
}

/** Each contender's server gets a loopback address of its own, on the callee's port. */
const HOSTS: Record<TransportName, string> = { 'http1.1-pool': '127.0.0.121', http2: '127.0.0.122' };

interface Contender {
  readonly server: Child;
  readonly client: Child;
  answered: number;
  errors: number;
  failures: Record<string, number>;
}

/**
 * Scenario: one service calling another over mutual TLS, HTTP/2 against pooled HTTP/1.1.
 * orders calls inventory's `POST /reservations` with a small order and gets a small
 * reservation back, each side in a process of its own (server on the service core, client on
 * the load core), so that the CPU each side spends per request is read from /proc. A closed
 * loop per level of requests in flight, the contenders interleaved round by round. Each server
 * counts its requests by HTTP version and its connections by ALPN: a contender that did not
 * speak its protocol on every request is reported as a problem, not as a figure.
 */
export async function transportScenario(fixture: Fixture, layout: CpuLayout, plan: TransportPlan, log: (line: string) => void): Promise<TransportReport> {
  const port = fixture.manifest.services.get(HOP.callee)!.port;
  const contenders = new Map<TransportName, Contender>();
  const started: Child[] = [];
  const start = (transport: TransportName, side: 'server' | 'client', args: readonly string[], cpus: string | undefined) => {
    const child = startChild(`${transport} ${side}`, join(__dirname, '..', 'transport', `${side}.js`), args, cpus);
    started.push(child);
    return child;
  };
  try {
    for (const transport of TRANSPORTS) {
      const server = start(transport, 'server', [transport, HOSTS[transport], String(port), fixture.certsDir], layout.serviceCpus);
      await server.next<ServerMessage>('listening');
      const client = start(transport, 'client', [], layout.loadCpus);
      const options = {
        transport,
        origin: `https://${HOSTS[transport]}:${port}`,
        certsDir: fixture.certsDir,
        maxConnections: DEFAULT_MAX_CONNECTIONS_PER_TARGET,
      };
      await client.ask<ClientMessage>({ kind: 'open', options }, 'opened');
      contenders.set(transport, { server, client, answered: 0, errors: 0, failures: {} });
    }

    const measure = async (transport: TransportName, inFlight: number, seconds: number): Promise<TransportSample> => {
      const contender = contenders.get(transport)!;
      const { server, client } = contender;
      const read = () => ({
        serverCpu: cpuSeconds(server.pid),
        clientCpu: cpuSeconds(client.pid),
        serverWait: runQueueSeconds(server.pid),
        clientWait: runQueueSeconds(client.pid),
        machine: machineTicks(),
      });
      const before = read();
      const { outcome } = await client.ask<{ kind: 'round'; outcome: RoundOutcome }>({ kind: 'round', round: { inFlight, seconds } }, 'round');
      const after = read();
      contender.answered += outcome.answered;
      contender.errors += outcome.errors;
      for (const [why, count] of Object.entries(outcome.failures)) contender.failures[why] = (contender.failures[why] ?? 0) + count;
      return transportSample(outcome, {
        serverCpuSeconds: after.serverCpu - before.serverCpu,
        clientCpuSeconds: after.clientCpu - before.clientCpu,
        serverWaitSeconds: after.serverWait - before.serverWait,
        clientWaitSeconds: after.clientWait - before.clientWait,
        machineBusy: (after.machine.busy - before.machine.busy) / Math.max(1, after.machine.total - before.machine.total),
        machineCores: machineCores(),
      });
    };

    const levels: TransportLevel[] = [];
    for (const inFlight of plan.inFlight) {
      for (const transport of TRANSPORTS) await measure(transport, inFlight, plan.warmUpSeconds); // Connections opened, JIT warm, for both alike.
      const samples = await interleaved(plan.rounds, TRANSPORTS, async (transport, round) => {
        const sample = await measure(transport, inFlight, plan.seconds);
        log(
          `transport ${inFlight} in flight, round ${round + 1}/${plan.rounds} ${transport}: ${Math.round(sample.requestsPerSecond)} req/s, ` +
            `server ${Math.round(sample.serverCpuUsPerRequest)} us/req, client ${Math.round(sample.clientCpuUsPerRequest)} us/req`,
        );
        return sample;
      });
      levels.push(transportLevel(inFlight, samples));
    }

    const protocols = {} as Record<TransportName, ProtocolSeen>;
    for (const transport of TRANSPORTS) {
      const contender = contenders.get(transport)!;
      const { counts } = await contender.server.ask<ServerMessage & { kind: 'counts' }>({ kind: 'counts' }, 'counts');
      protocols[transport] = { ...counts, clientAnswered: contender.answered, clientErrors: contender.errors, clientFailures: contender.failures };
    }
    const problems = TRANSPORTS.flatMap((transport) => protocolProblems(transport, protocols[transport]));
    for (const problem of problems) log(`transport: ${problem}`);
    return {
      plan,
      hop: `${HOP.caller} → ${HOP.callee} ${HOP.method} ${HOP.path}`,
      maxConnections: DEFAULT_MAX_CONNECTIONS_PER_TARGET,
      placement: layout.serviceCpus === undefined ? 'nothing pinned' : `the server pinned to CPU ${layout.serviceCpus}, the client to CPU ${layout.loadCpus}`,
      levels,
      protocols,
      problems,
    };
  } finally {
    await Promise.all(started.map((child) => child.stop()));
  }
}
