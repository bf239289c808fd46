import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { originOf } from '@portcullis/manifest';
import { startLocalMesh, type LocalMesh } from '@portcullis/mesh';
import { DATA_LINK, identityFiles, pemCertificates } from '@portcullis/layout';
import { relocatedManifest, REPO_ROOT, tempDir } from '../../test-support/temp-mesh';

/**
 * The rotation seen from outside the mesh: an integration partner that
 * re-reads its ca.crt, tls.crt and tls.key once a second, and calls the
 * gateway with curl, a new connection per request. `mesh ca rotate` must give
 * it the time to catch up at every step, also when it is killed during an
 * overlap and run again. PORTCULLIS_TEST_OVERLAP (default 3s) lets you try
 * 0s: the client then fails in some runs, not all, because the steps follow
 * each other about as fast as it re-reads (one run of four: 11 of 419).
 */
const OVERLAP = process.env.PORTCULLIS_TEST_OVERLAP ?? '3s';
const REREAD_EVERY_MS = 1_000;
const CURLS_IN_FLIGHT = 3;
/** Bounds on the load, in count and in time, whatever the rotation does. */
const MAX_REQUESTS = 20_000;
const MAX_LOAD_MS = 120_000;

interface OutsideTally {
  sent: number;
  /** Requests started while `mesh ca rotate` ran: the ones this test is about. */
  duringRotation: number;
  failed: number;
  failures: Record<string, number>;
}

describe('a CA rotation seen by a client outside the mesh', () => {
  const work = tempDir('outside-rotation');
  const manifestFile = join(work.dir, 'mesh.yaml');
  let mesh: LocalMesh;

  beforeAll(async () => {
    writeFileSync(manifestFile, relocatedManifest('127.0.10').text);
    mesh = await startLocalMesh({ manifestFile, certsDir: join(work.dir, 'certs') });
  });
  afterAll(async () => {
    await mesh?.stop();
    work.remove();
  });

  /**
   * Runs `during` while the outside client re-reads its files once a second and
   * calls the gateway with them; returns what `during` returned, the tally and
   * the client's last copy of its files.
   */
  async function withOutsideClient<T>(during: () => Promise<T>): Promise<{ result: T; tally: OutsideTally; snapshot: string }> {
    const demo = identityFiles(mesh.certsDir, 'demo-client');
    const gateway = originOf(mesh.manifest, 'gateway', mesh.environment);
    const snapshots = join(work.dir, `snapshots-${Date.now()}`);

    // The partner's own copy of its files, refreshed once a second from one version of them
    // (`..data` resolved once), into a new folder each time so that a curl never reads half of one.
    let snapshot = '';
    let generation = 0;
    const reread = () => {
      const from = realpathSync(join(demo.dir, DATA_LINK));
      const to = join(snapshots, String(generation++));
      mkdirSync(to, { recursive: true });
      for (const name of ['tls.crt', 'tls.key', 'ca.crt']) copyFileSync(join(from, name), join(to, name));
      snapshot = to;
      if (generation > 5) rmSync(join(snapshots, String(generation - 6)), { recursive: true, force: true });
    };
    reread();
    const rereading = setInterval(reread, REREAD_EVERY_MS);

    const tally: OutsideTally = { sent: 0, duringRotation: 0, failed: 0, failures: {} };
    let rotating = false;
    let stop = false;
    const deadline = Date.now() + MAX_LOAD_MS;
    const worker = async () => {
      while (!stop && tally.sent < MAX_REQUESTS && Date.now() < deadline) {
        const order = tally.sent % 2 === 0;
        tally.sent++;
        if (rotating) tally.duringRotation++;
        const { code, status, stderr } = await curlOnce(gateway, snapshot, order);
        if (code !== 0 || (status !== 200 && status !== 201)) {
          tally.failed++;
          const reason = code !== 0 ? `curl exit ${code}: ${stderr.trim().split('\n').pop()}` : `HTTP ${status}`;
          tally.failures[reason] = (tally.failures[reason] ?? 0) + 1;
        }
      }
    };
    const workers = Array.from({ length: CURLS_IN_FLIGHT }, worker);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      rotating = true;
      const result = await during();
      rotating = false;
      // The partner takes up the last step within a second; keep calling until it has and a little after.
      await new Promise((resolve) => setTimeout(resolve, 2 * REREAD_EVERY_MS));
      return { result, tally, snapshot };
    } finally {
      stop = true;
      await Promise.all(workers);
      clearInterval(rereading);
    }
  }

  /** The rotation happened: the partner's bundle now holds one root, and not the one it had before. */
  function expectRotated(snapshot: string, rootBefore: string): void {
    const rootsAfter = pemCertificates(readFileSync(join(snapshot, 'ca.crt'), 'utf8'));
    expect(rootsAfter).toHaveLength(1);
    expect(new X509Certificate(rootsAfter[0]!).fingerprint256).not.toBe(new X509Certificate(rootBefore).fingerprint256);
  }

  const rotate = (killWhenSaid?: RegExp) => meshCommand(['ca', 'rotate', `--overlap=${OVERLAP}`], manifestFile, mesh.certsDir, killWhenSaid);

  it('meets no failed request while re-reading its files once a second', async () => {
    const rootBefore = readFileSync(identityFiles(mesh.certsDir, 'demo-client').bundle, 'utf8');
    const { result: rotation, tally, snapshot } = await withOutsideClient(() => rotate());
    console.log(
      `outside client during "mesh ca rotate --overlap=${OVERLAP}": ${JSON.stringify(tally)}\nmesh ca rotate said:\n${rotation.stdout}${rotation.stderr}`,
    );

    expect(rotation.code).toBe(0);
    expect(rotation.stdout).toMatch(/^introduce: waiting \d+\.\d s, until \d\d:\d\d:\d\d UTC \(overlap/m);
    expect(rotation.stdout).toMatch(/^switch: waiting \d+\.\d s, until \d\d:\d\d:\d\d UTC \(overlap/m);
    expectRotated(snapshot, rootBefore);
    expect(tally.duringRotation).toBeGreaterThan(50);
    expect(tally).toEqual({ sent: tally.sent, duringRotation: tally.duringRotation, failed: 0, failures: {} });
  }, 180_000);

  it('still meets none when the rotation is killed during each overlap and run again', async () => {
    const rootBefore = readFileSync(identityFiles(mesh.certsDir, 'demo-client').bundle, 'utf8');
    const {
      result: runs,
      tally,
      snapshot,
    } = await withOutsideClient(async () => [await rotate(/^introduce: waiting/m), await rotate(/^switch: waiting/m), await rotate()]);
    console.log(
      `outside client during a killed and resumed rotation: ${JSON.stringify(tally)}\n${runs.map((run, n) => `run ${n + 1} said:\n${run.stdout}${run.stderr}`).join('')}`,
    );

    expect(runs.map((run) => run.signal ?? run.code)).toEqual(['SIGKILL', 'SIGKILL', 0]);
    expect(runs[1]!.stdout).toMatch(/^resuming a rotation found introduced/m);
    expect(runs[2]!.stdout).toMatch(/^resuming a rotation found switched/m);
    expectRotated(snapshot, rootBefore);
    expect(tally.duringRotation).toBeGreaterThan(50);
    expect(tally).toEqual({ sent: tally.sent, duringRotation: tally.duringRotation, failed: 0, failures: {} });
  }, 180_000);
});

/** One request with curl, a real client that shares no code with the mesh, on a new connection. */
function curlOnce(origin: string, files: string, order: boolean): Promise<{ code: number; status: number; stderr: string }> {
  const args = [
    '--silent',
    '--show-error',
    '--max-time',
    '10',
    '--output',
    '/dev/null',
    '--write-out',
    '%{http_code}',
    '--cacert',
    join(files, 'ca.crt'),
    '--cert',
    join(files, 'tls.crt'),
    '--key',
    join(files, 'tls.key'),
    ...(order ? ['-H', 'content-type: application/json', '--data-binary', '{"sku":"WIDGET-1","quantity":1}', `${origin}/orders`] : [`${origin}/inventory`]),
  ];
  return new Promise((resolve) => {
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, status: Number(stdout), stderr }));
  });
}

/** Runs the built `mesh` command against this test's mesh and collects what it prints; kills it (SIGKILL) once it says `killWhenSaid`. */
function meshCommand(
  args: readonly string[],
  manifestFile: string,
  certsDir: string,
  killWhenSaid?: RegExp,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'tools/mesh/dist/cli.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORTCULLIS_MANIFEST: manifestFile, PORTCULLIS_CERTS: certsDir, PORTCULLIS_ENV: 'local' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (killWhenSaid?.test(stdout)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
