import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AdmissionStatus } from '@portcullis/trust';
import { eventually } from '../../test-support/eventually';
import { curl, curlAsync, type CurlIdentity } from '../../test-support/outside-clients';
import { meshUnderTest } from '../support/mesh-under-test';

const mesh = meshUnderTest();
const gateway = mesh.endpoint('gateway');
const asIdentity = (name: string): CurlIdentity => {
  const files = mesh.identity(name);
  return { cacert: files.bundle, cert: files.cert, key: files.key };
};
const demo = asIdentity('demo-client');
const monitor = asIdentity('monitor');

/** What the flood process reports about itself once a second. */
interface FloodReport {
  readonly open: number;
  readonly connects: number;
  readonly closedByServer: number;
}

/** The pre-handshake flood (support/flood.mts) as a process of its own. */
class Flood {
  latest: FloodReport = { open: 0, connects: 0, closedByServer: 0 };

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => (this.latest = JSON.parse(line) as FloodReport));
  }

  static start(sources: readonly string[], connections: number): Flood {
    const options = { host: gateway.connect.host, port: gateway.connect.port, sources, connections, durationMs: 120_000, maxConnects: 2_000_000 };
    // Node runs the .mts file itself (type stripping); stdin is a pipe so that the flood ends with the test.
    const child = spawn(process.execPath, [join(__dirname, 'support', 'flood.mts'), JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
    return new Flood(child);
  }

  stop(): Promise<FloodReport> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve(this.latest));
      this.child.kill('SIGTERM');
    });
  }
}

const admission = (): AdmissionStatus => {
  const answer = curl(`${gateway.origin}/healthz`, monitor, gateway.curlArgs);
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.body) as { admission: AdmissionStatus }).admission;
};

/** `count` requests of the demo client, each from a new curl process on a new connection, one after the other. */
async function demoRequests(count: number): Promise<{ served: number; failures: Record<string, number> }> {
  let served = 0;
  const failures: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const result = await curlAsync(`${gateway.origin}/inventory`, demo, gateway.curlArgs);
    if (result.status === 200) served++;
    else {
      const why = result.status ? `HTTP ${result.status}` : result.stderr.trim() || `curl exit ${result.exitCode}`;
      failures[why] = (failures[why] ?? 0) + 1;
    }
  }
  return { served, failures };
}

/** The gateway's summary lines of what it shed, from the mesh's log. */
const shedLines = () =>
  readFileSync(mesh.logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((record) => JSON.parse(record) as { service: string; line: string })
    .filter((record) => record.service === 'gateway' && record.line.includes('"mtls.shed"'))
    .map((record) => JSON.parse(record.line) as Record<string, unknown>);

/**
 * Connections that never send a ClientHello, 2,000 of them, replaced as the
 * gateway closes them, from one address and then from fifty: a client with a
 * valid certificate must still be served. Before admission (Node's
 * `maxConnections` of 1,024 and a 5 s handshake timeout) it was served 3
 * times in 20.
 */
describe('the gateway under a pre-handshake flood', () => {
  let flood: Flood | undefined;
  afterEach(async () => {
    await flood?.stop();
    flood = undefined;
  });

  const run = async (sources: readonly string[]) => {
    const before = admission();
    flood = Flood.start(sources, 2_000);
    await eventually('the flood to have opened its 2,000 connections', () => flood!.latest.connects >= 2_000, { withinMs: 30_000 });
    const result = await demoRequests(100);
    const report = await flood.stop();
    flood = undefined;
    const after = admission();
    console.log(
      `flood from ${sources.length} address(es): ${JSON.stringify(report)}; demo client: ${JSON.stringify(result)}; gateway admission before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`,
    );
    return { result, report, before, after };
  };

  it('serves the legitimate client at least 99 times in 100 while one address floods', async () => {
    const { result, report, before, after } = await run(['127.0.5.1']);
    expect(report.closedByServer).toBeGreaterThan(0);
    expect(result.served).toBeGreaterThanOrEqual(99);
    // The address was held to its share of pending handshakes, and that is what the gateway reports.
    expect(after.shed.refusedPerAddress).toBeGreaterThan(before.shed.refusedPerAddress);
    await eventually('a summary of the shedding in the gateway log', () => shedLines().some((line) => (line.refusedPerAddress as number) > 0), {
      withinMs: 15_000,
    });
  });

  it('serves the legitimate client at least 95 times in 100 while fifty addresses flood', async () => {
    const sources = Array.from({ length: 50 }, (_, i) => `127.0.6.${i + 1}`);
    const { result, before, after } = await run(sources);
    expect(result.served).toBeGreaterThanOrEqual(95);
    // 2,000 pending connections do not fit in the pool of 1,024: the oldest made room for the newest.
    expect(after.shed.evictedOldest).toBeGreaterThan(before.shed.evictedOldest);
    await eventually('a summary of the evictions in the gateway log', () => shedLines().some((line) => (line.evictedOldest as number) > 0), {
      withinMs: 15_000,
    });
  });
});
