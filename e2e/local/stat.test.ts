import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatReport } from '@portcullis/mesh';
import { eventually } from '../../test-support/eventually';
import { curl, curlJson } from '../../test-support/outside-clients';
import { edgesOf, ORDER_FLOW_ROUTES, REPO_ROOT, tempDir } from '../../test-support/temp-mesh';
import { meshUnderTest } from '../support/mesh-under-test';

const mesh = meshUnderTest();
const gateway = () => mesh.endpoint('gateway');
const LOAD_CLIENT = 'demo-client';
const as = (workload: string) => {
  const files = mesh.identity(workload);
  return { cacert: files.bundle, cert: files.cert, key: files.key };
};

/** The built CLI, as a user runs it, pointed at the mesh under test; resolves with its stdout. */
function meshCli(args: readonly string[], manifestFile = mesh.manifest.file): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'tools/mesh/dist/cli.js'), ...args], {
    env: { ...process.env, PORTCULLIS_MANIFEST: manifestFile, PORTCULLIS_CERTS: mesh.certsDir, PORTCULLIS_ENV: mesh.environment },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * `mesh stat --json` on the running mesh while the load client places orders and reads the
 * inventory through the gateway: between them the two routes exercise every call of the
 * manifest's call graph, so every one of its edges, and the load client's edge into the
 * gateway, must show traffic.
 */
describe('pnpm mesh stat on the local mesh', () => {
  it('finds every edge the load uses, and only edges of the call graph between services, with a rate above 0', async () => {
    const stat = meshCli(['stat', '--json', '--interval=3']);
    // Load for longer than the interval, so that both reads are taken while it flows.
    const until = Date.now() + 4_500;
    let placed = 0;
    while (Date.now() < until) {
      if (curlJson(`${gateway().origin}/orders`, as(LOAD_CLIENT), { sku: 'WIDGET-1', quantity: 1 }, gateway().curlArgs).status === 201) placed++;
      expect(curl(`${gateway().origin}/inventory`, as(LOAD_CLIENT), gateway().curlArgs).status).toBe(200);
      await new Promise((resolve) => setImmediate(resolve)); // let the CLI's output in
    }
    expect(placed).toBeGreaterThan(0);
    const { code, stdout, stderr } = await stat;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(stdout.trim()) as StatReport;

    // The edges the load above uses (the order flow and the inventory listing: business routes, named),
    // each moving; and every edge stat reports between services is one the manifest's call graph declares.
    const exercised = edgesOf(mesh.manifest, [...ORDER_FLOW_ROUTES, 'GET /inventory'], [LOAD_CLIENT]);
    const rates = new Map(report.edges.map((edge) => [`${edge.source} -> ${edge.target}`, edge.perSecond]));
    for (const edge of exercised) expect({ edge, moving: (rates.get(edge) ?? 0) > 0 }).toEqual({ edge, moving: true });
    const declared = new Set([...mesh.manifest.services.values()].flatMap((service) => service.calls.map((callee) => `${service.name} -> ${callee}`)));
    const betweenServices = report.edges
      .filter((edge) => mesh.manifest.services.has(edge.source) && edge.perSecond > 0)
      .map((edge) => `${edge.source} -> ${edge.target}`);
    expect(betweenServices.filter((edge) => !declared.has(edge))).toEqual([]);

    // Every service answered, with its certificate's time left and a success rate for the load.
    for (const service of mesh.manifest.services.keys()) {
      const row = report.services.find((candidate) => candidate.service === service);
      expect(row).toMatchObject({ service, traffic: expect.objectContaining({ perSecond: expect.any(Number) }) });
      expect(row!.error).toBeUndefined();
      expect(row!.certificateSecondsLeft).toBeGreaterThan(0);
    }
    const orders = report.edges.find((edge) => edge.source === LOAD_CLIENT && edge.target === 'gateway')!;
    expect(orders.successRate).toBe(1);
    expect(orders.p99).toBeGreaterThan(0);
  });

  it('--watch redraws in place every interval and ends cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'tools/mesh/dist/cli.js'), 'stat', '--watch', '--interval=0.3'], {
      env: { ...process.env, PORTCULLIS_MANIFEST: mesh.manifest.file, PORTCULLIS_CERTS: mesh.certsDir, PORTCULLIS_ENV: mesh.environment },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const CLEAR = '\u001b[H\u001b[2J';
    await eventually('three redraws', () => stdout.split(CLEAR).length > 3, { withinMs: 15_000, everyMs: 100 });
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    // Each redraw is a whole report: every service of the manifest, after a screen clear.
    for (const frame of stdout.split(CLEAR).slice(1, 3)) {
      for (const service of mesh.manifest.services.keys()) expect(frame).toMatch(new RegExp(`^${service} +\\d`, 'm'));
    }
  });

  it('shows a service that does not answer as a row saying so', async () => {
    // The same manifest with its last service moved to an address where nothing listens; the others still answer.
    const services = [...mesh.manifest.services.keys()];
    const down = services.at(-1)!;
    const folder = tempDir('stat-down');
    try {
      const address = mesh.manifest.services.get(down)!.addresses.get(mesh.environment)!;
      const moved = readFileSync(mesh.manifest.file, 'utf8').replace(`${mesh.environment}: ${address.host}\n`, `${mesh.environment}: 127.0.99.99\n`);
      expect(moved).not.toBe(readFileSync(mesh.manifest.file, 'utf8'));
      const file = join(folder.dir, 'mesh.yaml');
      writeFileSync(file, moved);
      const { code, stdout } = await meshCli(['stat', '--interval=0.5'], file);
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^${down} +not answering: `, 'm'));
      for (const service of services.filter((name) => name !== down)) expect(stdout).toMatch(new RegExp(`^${service} +\\d`, 'm'));
    } finally {
      folder.remove();
    }
  });
});
