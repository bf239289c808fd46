import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { addressOf, parseManifest } from '@portcullis/manifest';
import { identityFiles } from '@portcullis/layout';
import { displayPath } from '@portcullis/trust';
import { curl } from '../../test-support/outside-clients';
import { editedManifest, lineOf, MANIFEST_FILE, REPO_ROOT, repoManifest, tempCerts, tempDir } from '../../test-support/temp-mesh';

/** Starts the built `orders` service by itself and returns what it said and how it ended. */
function startOrders(certsDir: string, manifestFile = MANIFEST_FILE) {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, 'services/orders/dist/main.js')], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORTCULLIS_CERTS: certsDir, PORTCULLIS_MANIFEST: manifestFile, PORTCULLIS_ENV: 'local' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: run.status, stderr: run.stderr.trim() };
}

describe('a service with a bad certificate or manifest stops at start-up with one sentence', () => {
  let certs: Awaited<ReturnType<typeof tempCerts>>;
  let files: ReturnType<typeof identityFiles>;
  const show = (file: string) => displayPath(file);
  beforeEach(async () => {
    certs = await tempCerts();
    files = identityFiles(certs.dir, 'orders');
  });
  afterEach(() => certs.remove());

  it('names a missing key file', () => {
    unlinkSync(files.key);
    expect(startOrders(certs.dir)).toEqual({ code: 1, stderr: `orders: ${show(files.key)} is missing; issue it with "pnpm mesh certs orders"` });
  });

  it('names a key that does not match the certificate', () => {
    copyFileSync(identityFiles(certs.dir, 'inventory').key, files.key);
    expect(startOrders(certs.dir)).toEqual({
      code: 1,
      stderr: `orders: ${show(files.key)} does not match the certificate in ${show(files.cert)}; reissue both with "pnpm mesh certs orders"`,
    });
  });

  it('names a certificate file that holds something else', () => {
    writeFileSync(files.cert, 'hello\n');
    expect(startOrders(certs.dir)).toEqual({
      code: 1,
      stderr: `orders: ${show(files.cert)} does not hold a PEM certificate; reissue it with "pnpm mesh certs orders"`,
    });
  });

  it('names a certificate issued to another service', () => {
    copyFileSync(identityFiles(certs.dir, 'payments').cert, files.cert);
    copyFileSync(identityFiles(certs.dir, 'payments').key, files.key);
    expect(startOrders(certs.dir)).toEqual({
      code: 1,
      stderr: `orders: ${show(files.cert)} is for spiffe://portcullis.local/service/payments but the manifest says spiffe://portcullis.local/service/orders; reissue it with "pnpm mesh certs orders"`,
    });
  });

  it('names the manifest line to fix', () => {
    const manifest = tempDir('manifest');
    try {
      const file = join(manifest.dir, 'mesh.yaml');
      // Misspell payments in orders' calls, wherever it stands in the list.
      const { text } = editedManifest([/(\n {2}orders:\n[\s\S]*?\n {4}calls: \[[^\]\n]*\b)payments\b/, '$1paymnts']);
      const real = repoManifest();
      const index = real.services.get('orders')!.calls.indexOf('payments');
      writeFileSync(file, text);
      const result = startOrders(certs.dir, file);
      expect(result.code).toBe(1);
      // One line per problem: the typo, and each permission payments gives orders that orders no longer uses.
      expect(result.stderr.split('\n')).toEqual([
        `orders: ${file}:${lineOf(text, 'paymnts')}: services.orders.calls[${index}]: "paymnts" is not a service; known services: ${[...real.services.keys()].join(', ')}`,
        ...['POST /charges', 'GET /charges/:reference', 'POST /charges/:reference/void'].map(
          (route) =>
            `${file}:${lineOf(text, `${route}:`)}: services.payments.routes.${route}[0]: payments allows orders on "${route}", but orders does not list payments in its calls; add it there or remove it here`,
        ),
      ]);
    } finally {
      manifest.remove();
    }
  });

  it('says when its address is already taken, e.g. by a running mesh', () => {
    // The e2e driver's mesh holds orders' local address; these certificates are valid.
    const { host, port } = addressOf(certs.manifest, 'orders', 'local');
    expect(startOrders(certs.dir)).toEqual({
      code: 1,
      stderr: `orders: ${host}:${port} is already in use (is the mesh already running?); stop what holds it or change the address in mesh.yaml`,
    });
  });
});

describe('a service whose routes the manifest does not all cover', () => {
  it('warns at start-up and denies the uncovered route to everyone', async () => {
    const { text } = editedManifest(['      DELETE /reservations/:id: [orders]\n', ''], ['local: 127.0.0.3\n', 'local: 127.0.9.13\n']);
    const work = tempDir('uncovered');
    const manifestFile = join(work.dir, 'mesh.yaml');
    writeFileSync(manifestFile, text);
    const certs = await tempCerts(parseManifest(text, manifestFile));
    const inventory = spawn(process.execPath, [join(REPO_ROOT, 'services/inventory/dist/main.js')], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORTCULLIS_CERTS: certs.dir, PORTCULLIS_MANIFEST: manifestFile, PORTCULLIS_ENV: 'local' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const warnings: string[] = [];
      for await (const line of createInterface({ input: inventory.stdout! })) {
        const record = JSON.parse(line) as { level: string; message: string };
        if (record.level === 'warn') warnings.push(String(record.message));
        if (record.message === 'inventory listening') break;
      }
      expect(warnings).toEqual([`routes no policy in ${manifestFile} covers, denied to every caller: DELETE /reservations/:id`]);

      const orders = identityFiles(certs.dir, 'orders');
      const response = curl('https://127.0.9.13:8443/reservations/res_0123456789abcdef', { cacert: orders.bundle, cert: orders.cert, key: orders.key }, [
        '-X',
        'DELETE',
      ]);
      expect(response.status).toBe(403);
    } finally {
      inventory.kill();
      certs.remove();
      work.remove();
    }
  });
});
