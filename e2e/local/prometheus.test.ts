import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROMETHEUS_FILE, PROMETHEUS_JOB, prometheusConfig } from '@portcullis/mesh';
import { eventually } from '../../test-support/eventually';
import { freePort } from '../../test-support/free-port';
import { curlJson } from '../../test-support/outside-clients';
import { REPO_ROOT, tempDir } from '../../test-support/temp-mesh';
import { meshUnderTest } from '../support/mesh-under-test';

const mesh = meshUnderTest();
const gateway = () => mesh.endpoint('gateway');

interface PrometheusAnswer<T> {
  readonly status: string;
  readonly data: T;
}
interface Target {
  readonly labels: Readonly<Record<string, string>>;
  readonly health: string;
  readonly lastError: string;
}

/**
 * Debian's Prometheus scrapes the running mesh with the configuration `mesh generate` derives
 * from mesh.yaml (written for this run's certificates, relative to the config file as in the
 * repository, with a 1 s interval): every service of the manifest is an `up` target over mTLS
 * as monitor, and an order placed as demo-client moves the gateway's request counter.
 */
describe('a real Prometheus scraping the local mesh over mTLS', () => {
  const folder = tempDir('prometheus');
  const configFile = join(folder.dir, 'prometheus.yml');
  let prometheus: ChildProcess | undefined;
  let api = '';
  let output = '';

  beforeAll(async () => {
    writeFileSync(
      configFile,
      prometheusConfig(mesh.manifest, { environment: mesh.environment, certsPath: relative(folder.dir, mesh.certsDir), scrapeInterval: '1s' }),
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      'prometheus',
      [`--config.file=${configFile}`, `--storage.tsdb.path=${join(folder.dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    prometheus.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(`Prometheus ready at ${api}`, async () => (await fetch(`${api}/-/ready`).catch(() => undefined))?.ok === true, {
      withinMs: 30_000,
      everyMs: 250,
    });
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    folder.remove();
  });

  const get = async <T>(path: string): Promise<T> => {
    const answer = (await (await fetch(`${api}${path}`)).json()) as PrometheusAnswer<T>;
    expect(answer.status).toBe('success');
    return answer.data;
  };

  it('promtool accepts the generated configuration, certificate paths resolved against its folder', () => {
    const run = spawnSync('promtool', ['check', 'config', configFile], { encoding: 'utf8' });
    expect({ status: run.status, output: `${run.stdout}${run.stderr}` }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    const checkedIn = spawnSync('promtool', ['check', 'config', '--syntax-only', join(REPO_ROOT, PROMETHEUS_FILE)], { encoding: 'utf8' });
    expect({ status: checkedIn.status, output: `${checkedIn.stdout}${checkedIn.stderr}` }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('has every service of the manifest as an up target, named by its service label', async () => {
    const services = [...mesh.manifest.services.keys()].sort();
    let targets: readonly Target[] = [];
    await eventually(
      'every target up',
      async () => {
        targets = (await get<{ activeTargets: Target[] }>('/api/v1/targets')).activeTargets;
        return targets.length === services.length && targets.every((target) => target.health === 'up');
      },
      { withinMs: 20_000, everyMs: 500 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\ntargets: ${JSON.stringify(targets, null, 2)}\nprometheus: ${output.slice(-2_000)}`);
    });
    expect(targets.map((target) => target.labels.service).sort()).toEqual(services);
    for (const target of targets) expect(target.labels.job).toBe(PROMETHEUS_JOB);
    // The series keep their own service label (honor_labels), not an exported_service beside it.
    const up = await get<{ result: { metric: Record<string, string> }[] }>(`/api/v1/query?query=${encodeURIComponent(`up{job="${PROMETHEUS_JOB}"}`)}`);
    expect(up.result.map((series) => series.metric.service).sort()).toEqual(services);
  });

  it("sees the gateway's request counter move after an order placed as demo-client", async () => {
    const query = `sum(portcullis_server_requests_total{service="gateway",source="demo-client",route="/orders",method="POST",status="201"})`;
    const value = async () => {
      const data = await get<{ result: { value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(query)}`);
      return data.result.length === 0 ? 0 : Number(data.result[0]!.value[1]);
    };
    // Two scrape intervals, so that Prometheus holds the counter as it is before the order.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const before = await value();
    const files = mesh.identity('demo-client');
    const order = curlJson(
      `${gateway().origin}/orders`,
      { cacert: files.bundle, cert: files.cert, key: files.key },
      { sku: 'WIDGET-1', quantity: 1 },
      gateway().curlArgs,
    );
    expect(order.status).toBe(201);
    await eventually('the order in Prometheus', async () => (await value()) > before, { withinMs: 10_000, everyMs: 500 });
  });
});
