import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest } from '@portcullis/manifest';
import { localPrometheusConfig, PROMETHEUS_FILE, readmeWithTables, runDoctor, writeKubernetesFiles, type DoctorReport } from '@portcullis/mesh';
import { authorityFiles, introduceNextAuthority, issueMeshCertificates, markPublished } from '@portcullis/pki';
import { manifestText, REPO_ROOT, tempCerts, tempDir } from '../../../test-support/temp-mesh';

/**
 * The doctor's file and certificate checks on real files written by the real
 * CA, with no mesh running: nothing listens on the manifest's addresses
 * (relocated to 127.0.13.x), so only the running checks fail, and these tests
 * look at the others.
 */
describe('mesh doctor, files and certificates', () => {
  const HOUR = 3_600_000;
  const text = manifestText().replace(/^(\s+local: )127\.0\.0\.(\d+)/gm, '$1127.0.13.$2');

  async function setUp(edit: (dirs: { root: string; certsDir: string }) => void | Promise<void> = () => undefined) {
    const work = tempDir('doctor-files');
    const certs = await tempCerts(parseManifest(text, join(work.dir, 'mesh.yaml')));
    writeFileSync(join(work.dir, 'mesh.yaml'), text);
    await edit({ root: work.dir, certsDir: certs.dir });
    return {
      work,
      certs,
      run: (now?: Date) => runDoctor({ manifestFile: join(work.dir, 'mesh.yaml'), certsDir: certs.dir, environment: 'local' }, now ? { now } : {}),
    };
  }
  const notRunning = (report: DoctorReport) => report.findings.filter((f) => f.level !== 'ok' && !['reachable'].includes(f.check));

  it('finds nothing wrong in freshly issued files', async () => {
    const { work, certs, run } = await setUp();
    try {
      expect(notRunning(await run())).toEqual([]);
    } finally {
      work.remove();
      certs.remove();
    }
  });

  it('warns about a CA rotation within its overlap and calls one left past it an error', async () => {
    const { work, certs, run } = await setUp(async ({ certsDir }) => {
      // What the first step of "pnpm mesh ca rotate" leaves on disk: the next root, published to every workload.
      const manifest = parseManifest(text, 'mesh.yaml');
      await introduceNextAuthority(manifest, certsDir);
      await issueMeshCertificates(manifest, certsDir);
      markPublished(certsDir);
    });
    try {
      const within = notRunning(await run());
      expect(within).toContainEqual(
        expect.objectContaining({
          group: 'ca',
          level: 'warning',
          check: 'rotation',
          message: expect.stringMatching(
            /^a CA rotation is in progress \(a next root is trusted but no leaf is issued under it yet\), within its overlap until/,
          ),
        }),
      );
      expect(within.filter((f) => f.level === 'error')).toEqual([]);
      const after = notRunning(await run(new Date(Date.now() + HOUR)));
      expect(after).toContainEqual(
        expect.objectContaining({
          group: 'ca',
          level: 'error',
          check: 'rotation',
          message: expect.stringMatching(/^a CA rotation was left half done .*; run "pnpm mesh ca rotate" to finish it$/),
        }),
      );
    } finally {
      work.remove();
      certs.remove();
    }
  });

  it('names the line of a deny list that does not parse', async () => {
    const { work, certs, run } = await setUp(({ certsDir }) => writeFileSync(authorityFiles(certsDir).revoked, 'ABCDEF # a client, revoked\nnot-a-serial\n'));
    try {
      expect(notRunning(await run())).toContainEqual(
        expect.objectContaining({
          level: 'error',
          check: 'deny list',
          message: expect.stringMatching(/revoked\.txt:2 is not a serial number \("not-a-serial"\)/),
        }),
      );
    } finally {
      work.remove();
      certs.remove();
    }
  });

  it('names the file and line of a port written into a service', async () => {
    const { work, certs, run } = await setUp(({ root }) => {
      mkdirSync(join(root, 'services', 'orders', 'src'), { recursive: true });
      writeFileSync(join(root, 'services', 'orders', 'src', 'peer.ts'), "// why: a comment may say 8443\nexport const INVENTORY = 'https://127.0.0.3:8443';\n");
    });
    try {
      const sources = notRunning(await run()).filter((f) => f.check === 'sources');
      expect(sources.map((f) => f.message)).toEqual([
        `services/orders/src/peer.ts:2 holds a port ("8443"); take it from mesh.yaml through the trust library (bootstrapService, MeshClient) instead`,
        `services/orders/src/peer.ts:2 holds an address ("127.0.0.3"); take it from mesh.yaml through the trust library (bootstrapService, MeshClient) instead`,
      ]);
    } finally {
      work.remove();
      certs.remove();
    }
  });

  it('names the README line whose table drifted from mesh.yaml', async () => {
    const { work, certs, run } = await setUp(({ root }) => {
      const current = readmeWithTables(parseManifest(text, 'mesh.yaml'), readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
      const drifted = current.replace('/service/payments | 8443 |', '/service/payments | 9443 |');
      expect(drifted).not.toBe(current);
      writeFileSync(join(root, 'README.md'), drifted);
    });
    try {
      const readme = notRunning(await run()).filter((f) => f.check === 'README.md');
      expect(readme).toEqual([
        expect.objectContaining({
          level: 'error',
          message: expect.stringMatching(
            /^README\.md:\d+ differs from mesh\.yaml: it says "\| payments \| service \| .* \| 9443 \|.*", mesh\.yaml gives ".*\| 8443 \|.*"; run "pnpm mesh generate"$/,
          ),
        }),
      ]);
    } finally {
      work.remove();
      certs.remove();
    }
  });

  it('names the line of deploy/prometheus/prometheus.yml that no longer scrapes where mesh.yaml says', async () => {
    const { work, certs, run } = await setUp(({ root }) => {
      // The file as generated for the manifest, then the payments target left at an old address.
      const current = localPrometheusConfig(parseManifest(text, 'mesh.yaml'));
      const drifted = current.replace("- targets: ['127.0.13.4:8443']", "- targets: ['127.0.13.4:9443']");
      expect(drifted).not.toBe(current);
      mkdirSync(join(root, 'deploy/prometheus'), { recursive: true });
      writeFileSync(join(root, PROMETHEUS_FILE), drifted);
    });
    try {
      const line = localPrometheusConfig(parseManifest(text, 'mesh.yaml')).split('\n').indexOf("      - targets: ['127.0.13.4:8443']") + 1;
      expect(notRunning(await run()).filter((f) => f.check === PROMETHEUS_FILE)).toEqual([
        expect.objectContaining({
          level: 'error',
          message: `${PROMETHEUS_FILE}:${line} differs from mesh.yaml: it says "- targets: ['127.0.13.4:9443']", mesh.yaml gives "- targets: ['127.0.13.4:8443']"; run "pnpm mesh generate"`,
        }),
      ]);
    } finally {
      work.remove();
      certs.remove();
    }
  });

  it('names the Kubernetes file and line that a change of port in mesh.yaml made stale', async () => {
    const { work, certs, run } = await setUp(({ root }) => {
      // deploy/kubernetes as generated from the manifest, then the manifest moves payments to 9443.
      writeKubernetesFiles(parseManifest(text, join(root, 'mesh.yaml')));
      writeFileSync(join(root, 'mesh.yaml'), text.replace(/(payments:\n(?:.*\n)*?\s+port: )8443/, '$19443'));
    });
    try {
      const kubernetes = notRunning(await run()).filter((f) => f.check === 'deploy/kubernetes');
      expect(kubernetes.length).toBeGreaterThan(0);
      expect(kubernetes).toContainEqual(
        expect.objectContaining({
          level: 'error',
          message: expect.stringMatching(
            /^deploy\/kubernetes\/base\/payments\.yaml:\d+ says ".*8443.*" but mesh\.yaml makes it ".*9443.*"; run "pnpm mesh kubernetes"$/,
          ),
        }),
      );
    } finally {
      work.remove();
      certs.remove();
    }
  });
});
