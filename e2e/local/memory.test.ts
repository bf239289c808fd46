import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { originOf } from '@portcullis/manifest';
import { DEMO_CLIENT, isEdge, runSoak, startLocalMesh, type LocalMesh, type SoakReport } from '@portcullis/mesh';
import { identityFiles } from '@portcullis/layout';
import { relocatedManifest, tempDir } from '../../test-support/temp-mesh';

/**
 * A short soak on a local mesh of its own: steady load through the gateway, every request on a new
 * connection (a full mTLS handshake each), while every service's resident memory and open file
 * descriptors are read from /proc. It fails when one keeps growing after the warm-up, which is
 * what Node 24.21's mTLS server does (about 6 KB per client-certificate handshake, for ever): on
 * Node 24.21 this test fails with the gateway growing, on Node 26 it passes. The long version, 20
 * minutes with renewals, is `pnpm bench --soak`.
 */
describe('memory under sustained load with new connections', () => {
  const work = tempDir('memory');
  let mesh: LocalMesh;
  let report: SoakReport;

  beforeAll(async () => {
    const manifestFile = join(work.dir, 'mesh.yaml');
    writeFileSync(manifestFile, relocatedManifest('127.0.11').text);
    mesh = await startLocalMesh({ manifestFile, certsDir: join(work.dir, 'certs') });
    report = await runSoak({
      origin: originOf(mesh.manifest, 'gateway', 'local'),
      client: identityFiles(mesh.certsDir, DEMO_CLIENT),
      processes: () => mesh.pids(),
      load: { ratePerSecond: 120, freshEvery: 1, orderShare: 0.3 },
      seconds: 90,
      warmupSeconds: 30,
    });
    const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
    console.log(
      [
        `soak on Node ${process.version}: ${report.requests.sent} requests (${Math.round(report.requests.perSecond)}/s), ${report.requests.failed} failed, p99 ${report.requests.p99Ms.toFixed(1)} ms`,
        ...Object.entries(report.trends).map(
          ([name, t]) =>
            `${name}: RSS ${mb(t.rssBytes.start)} -> ${mb(t.rssBytes.warm)} warm -> ${mb(t.rssBytes.end)}, ${mb(t.rssBytesPerMinute)}/min after warm-up (${(t.rssGrowthAfterWarmup * 100).toFixed(1)}%), fds ${t.openFds.warm} -> ${t.openFds.end}`,
        ),
      ].join('\n'),
    );
  }, 240_000);
  afterAll(async () => {
    await mesh?.stop();
    work.remove();
  });

  it('answers every request', () => {
    expect(report.requests.sent).toBeGreaterThan(10_000);
    expect(report.requests.failures).toEqual({});
  });

  it('has every service hold its memory flat after the warm-up', () => {
    const services = [...mesh.manifest.services.keys()];
    expect(Object.keys(report.trends).sort()).toEqual([...services].sort());
    // The services outside clients call take every new connection, and so every handshake: a leak per
    // handshake shows there first. Measured on the two-core CI machine over the minute after warm-up:
    // on Node 24.21 the gateway grew 42% of its warm RSS (75 MB a minute, the handshake leak); on Node
    // 26.10 it moved 6-17% from run to run with V8's collections, and the services behind it, whose
    // heaps fill with their own state until V8's first full collection, up to 32%. A minute and a half
    // cannot tell that from a slow leak; the 20-minute soak (pnpm bench --soak) does.
    const bound = (name: string) => (isEdge(mesh.manifest, mesh.manifest.services.get(name)!) ? 0.25 : 0.5);
    const growing = Object.entries(report.trends)
      .filter(([name, trend]) => trend.rssGrowthAfterWarmup > bound(name))
      .map(([name, trend]) => `${name} grows ${Math.round(trend.rssBytesPerMinute / 2 ** 20)} MB a minute`);
    expect(growing).toEqual([]);
  });

  it('has every service hold its file descriptors flat', () => {
    const leaking = Object.entries(report.trends).filter(([, trend]) => trend.fdGrowthAfterWarmup > 32);
    expect(leaking.map(([name, trend]) => `${name}: ${trend.openFds.warm} -> ${trend.openFds.end} open descriptors`)).toEqual([]);
  });
});
