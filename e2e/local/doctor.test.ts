import { execFile, execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifest } from '@portcullis/manifest';
import { issueMeshCertificates, withAuthorityLock } from '@portcullis/pki';
import { startLocalMesh, type LocalMesh } from '@portcullis/mesh';
import { identityFiles } from '@portcullis/layout';
import { eventually } from '../../test-support/eventually';
import { lineOf, REPO_ROOT, relocatedManifest, tempDir } from '../../test-support/temp-mesh';

/** Every file and link under `dir` with its content hash, mode and modification time. */
function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) entries[path] = `-> ${readlinkSync(path)}`;
      else if (stat.isDirectory()) walk(path);
      else entries[path] = `${createHash('sha256').update(readFileSync(path)).digest('hex')} ${stat.mode} ${stat.mtimeMs}`;
    }
  };
  walk(dir);
  return entries;
}

/** The built command, run as a user runs it. */
const CLI = join(REPO_ROOT, 'tools', 'mesh', 'dist', 'cli.js');

/**
 * `mesh doctor` against a local mesh of its own on 127.0.12.x (its faults must
 * not reach the suites sharing the driver's mesh), each fault injected as it
 * happens in life (a signal, an edited file) and undone before the next test,
 * which first waits until the doctor finds the mesh healthy again.
 */
describe('mesh doctor on a running local mesh', () => {
  const work = tempDir('doctor');
  const manifestFile = join(work.dir, 'mesh.yaml');
  const certsDir = join(work.dir, 'certs');
  const composeFile = join(work.dir, 'docker-compose.yml');
  const relocated = relocatedManifest('127.0.12');
  let mesh: LocalMesh;

  const doctor = (...args: string[]): Promise<{ code: number; out: string; ms: number }> => {
    const started = Date.now();
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, 'doctor', ...args],
        { env: { ...process.env, PORTCULLIS_MANIFEST: manifestFile, PORTCULLIS_CERTS: certsDir, PORTCULLIS_ENV: 'local' }, encoding: 'utf8' },
        (failure, stdout, stderr) => {
          const code = failure ? (typeof failure.code === 'number' ? failure.code : -1) : 0;
          resolve({ code, out: `${stdout}${stderr}`, ms: Date.now() - started });
        },
      );
    });
  };
  /** The report's lines of one level, e.g. every error line. */
  const lines = (out: string, level: 'ok' | 'warning' | 'error') => out.split('\n').filter((line) => line.trimStart().startsWith(`${level} `));
  const healthy = async () =>
    eventually('the doctor to find the mesh healthy again', async () => (await doctor('--strict')).code === 0, { everyMs: 300, withinMs: 20_000 });

  beforeAll(async () => {
    writeFileSync(manifestFile, relocated.text);
    // The compose file is derived from the manifest; the doctor checks the one beside it.
    writeFileSync(composeFile, readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'));
    // Renewals are the doctor's to report, not the runner's to fix behind the test's back.
    mesh = await startLocalMesh({ manifestFile, certsDir, renewCheckMs: 3_600_000 });
  });
  afterAll(async () => {
    for (const pid of mesh?.pids().values() ?? []) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Already gone: nothing to wake.
      }
    }
    await mesh?.stop();
    work.remove();
  });

  it('finds a healthy mesh healthy, every service checked, in under 2 s', async () => {
    const runs = [];
    for (let run = 0; run < 3; run++) runs.push(await doctor());
    const { code, out } = runs[runs.length - 1]!;
    console.log(`mesh doctor on a healthy local mesh: ${runs.map((r) => r.ms).join(', ')} ms (wall clock, process start included)\n${out}`);
    expect(lines(out, 'error')).toEqual([]);
    expect(lines(out, 'warning')).toEqual([]);
    expect(code).toBe(0);
    for (const [name, service] of loadManifest(manifestFile).services) {
      const address = service.addresses.get('local')!;
      expect(out).toContain(`ok      reachable: ${name} completes a TLS handshake on ${address.host}:${address.port}`);
      expect(out).toContain(`ok      identity: presents ${service.id}`);
    }
    // The checks themselves (the command's own figure); the wall clock above adds Node's start-up and module loading.
    const checkedIn = Number(/checked in (\d+) ms/.exec(out)?.[1]);
    expect(checkedIn).toBeLessThan(2_000);

    const json = JSON.parse((await doctor('--json')).out) as { errors: number; warnings: number; findings: { group: string; level: string }[] };
    expect({ errors: json.errors, warnings: json.warnings }).toEqual({ errors: 0, warnings: 0 });
    expect(new Set(json.findings.map((f) => f.group))).toEqual(
      new Set(['files', 'ca', ...loadManifest(manifestFile).services.keys(), ...loadManifest(manifestFile).clients.keys(), 'listeners']),
    );
  });

  it('reads, never writes: the mesh directory is byte for byte the same after a run', async () => {
    const before = snapshot(work.dir);
    await doctor();
    expect(snapshot(work.dir)).toEqual(before);
  });

  it('says a stopped service (SIGSTOP: the port accepts, no handshake comes) timed out', async () => {
    const pid = mesh.pids().get('inventory')!;
    process.kill(pid, 'SIGSTOP');
    try {
      const { code, out } = await doctor();
      expect(code).toBe(1);
      expect(lines(out, 'error')).toEqual([
        expect.stringMatching(
          /^ *error {3}reachable: inventory: 127\.0\.12\.3:8443 timed out, TCP connects but no TLS handshake within \d+ ms: the process is hung/,
        ),
      ]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await healthy();
  });

  it('says nothing listens where a service that is gone should be', async () => {
    process.kill(mesh.pids().get('payments')!, 'SIGKILL');
    try {
      await eventually('payments to be gone', async () => (await doctor()).out.includes('nothing listens'), { everyMs: 200 });
      const { code, out } = await doctor();
      expect(code).toBe(1);
      expect(lines(out, 'error')).toEqual([
        expect.stringMatching(/^ *error {3}reachable: payments: nothing listens on 127\.0\.12\.4:8443 \(mesh\.yaml:\d+; connection refused\)/),
      ]);
    } finally {
      await mesh.restart('payments');
    }
    await healthy();
  });

  it('names the service, both ports and the other manifest revision when mesh.yaml moves a service the mesh still runs on the old port', async () => {
    const moved = relocated.text.replace(/(local: 127\.0\.12\.4)\n/, '$1:9443\n');
    expect(moved).not.toBe(relocated.text);
    writeFileSync(manifestFile, moved);
    try {
      const { code, out } = await doctor();
      expect(code).toBe(1);
      const errors = lines(out, 'error');
      expect(errors).toContainEqual(expect.stringMatching(/payments: nothing listens on 127\.0\.12\.4:9443/));
      expect(errors).toContainEqual(
        expect.stringMatching(
          /payments answers on 127\.0\.12\.4:8443, running another manifest revision \([0-9a-f]+; mesh\.yaml on disk is [0-9a-f]+\), but mesh\.yaml gives payments 127\.0\.12\.4:9443 \(mesh\.yaml:\d+\)/,
        ),
      );
      // Every service started from the old file runs another revision than the one on disk.
      for (const name of loadManifest(manifestFile).services.keys()) {
        if (name !== 'payments') expect(errors).toContainEqual(expect.stringContaining(`${name} runs manifest revision`));
      }
    } finally {
      writeFileSync(manifestFile, relocated.text);
    }
    await healthy();
  });

  it("names the service and the root's fingerprint when one ca.crt holds a root no other service trusts", async () => {
    const bundle = identityFiles(certsDir, 'orders').bundle;
    const original = readFileSync(bundle, 'utf8');
    const rogue = execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=rogue root', '-days', '1'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const fingerprint = new X509Certificate(rogue).fingerprint256;
    writeFileSync(bundle, original + rogue);
    try {
      const { code, out } = await doctor();
      expect(code).toBe(1);
      expect(lines(out, 'error')).toContainEqual(
        expect.stringMatching(new RegExp(`error {3}bundle: .*orders/ca\\.crt trusts a root no other workload trusts: ${fingerprint} \\(CN=rogue root\\)`)),
      );
      expect(lines(out, 'error').every((line) => line.includes('orders') || line.includes(fingerprint))).toBe(true);
    } finally {
      writeFileSync(bundle, original);
    }
    await healthy();
  });

  it('warns about a certificate past its renewal time that was not renewed', async () => {
    const manifest = loadManifest(manifestFile);
    // What a renewer that stopped 17 hours ago leaves behind: a 24 h leaf issued then, now past two thirds of its life.
    await withAuthorityLock(certsDir, () =>
      issueMeshCertificates(manifest, certsDir, { only: ['payments'], force: true, now: new Date(Date.now() - 17 * 3_600_000) }),
    );
    try {
      await eventually(
        'payments to serve its old certificate',
        async () => (await doctor()).out.includes('payments serves a certificate past its renewal time'),
        { everyMs: 300 },
      );
      const { code, out } = await doctor();
      expect(lines(out, 'error')).toEqual([]);
      expect(code).toBe(0);
      expect(lines(out, 'warning')).toEqual([
        expect.stringMatching(
          /warning renewal: .*payments\/tls\.crt was due for renewal .* ago and expires in .*; the renewer is not running or failing: run "pnpm mesh certs payments"/,
        ),
        expect.stringMatching(/warning served certificate: payments serves a certificate past its renewal time by/),
      ]);
      expect((await doctor('--strict')).code).toBe(1);
    } finally {
      await withAuthorityLock(certsDir, () => issueMeshCertificates(manifest, certsDir, { only: ['payments'], force: true }));
    }
    await healthy();
  });

  it('says a service refused its last identity update when a mismatched key lands in its directory', async () => {
    const gateway = identityFiles(certsDir, 'gateway');
    const original = readFileSync(gateway.key, 'utf8');
    // What a copy gone wrong leaves: another workload's key beside the gateway's certificate.
    writeFileSync(gateway.key, readFileSync(identityFiles(certsDir, 'orders').key, 'utf8'));
    try {
      await eventually('the gateway to refuse the update', async () => (await doctor()).out.includes('gateway refused its last identity update'), {
        everyMs: 300,
      });
      const { code, out } = await doctor();
      expect(code).toBe(1);
      expect(lines(out, 'error')).toEqual([
        expect.stringMatching(
          /error {3}certificate: gateway: .*gateway\/tls\.key does not match the certificate in .*gateway\/tls\.crt; reissue both with "pnpm mesh certs gateway"/,
        ),
        expect.stringMatching(
          /error {3}served certificate: gateway refused its last identity update \(\d+ refused\) and still serves [0-9A-F]+: .*tls\.key does not match/,
        ),
      ]);
    } finally {
      writeFileSync(gateway.key, original);
    }
    await healthy();
  });

  it('names the line of docker-compose.yml that publishes another port than mesh.yaml', async () => {
    const original = readFileSync(composeFile, 'utf8');
    const edited = original.replace(':${PORTCULLIS_GATEWAY_PORT:-8443}:8443"', ':${PORTCULLIS_GATEWAY_PORT:-8443}:9443"');
    expect(edited).not.toBe(original);
    writeFileSync(composeFile, edited);
    try {
      const { code, out } = await doctor();
      expect(code).toBe(1);
      const line = lineOf(edited, ':9443"');
      expect(lines(out, 'error')).toEqual([
        expect.stringContaining(
          `docker-compose.yml:${line} differs from mesh.yaml: it says "- "\${PORTCULLIS_GATEWAY_ADDRESS:-127.0.0.1}:\${PORTCULLIS_GATEWAY_PORT:-8443}:9443"", mesh.yaml gives`,
        ),
        expect.stringContaining(`docker-compose.yml:${line}: compose service gateway is called from outside the mesh and must publish its port 8443 once`),
      ]);
    } finally {
      writeFileSync(composeFile, original);
    }
    await healthy();
  });
});
