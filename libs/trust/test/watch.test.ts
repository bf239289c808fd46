import { copyFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueMeshCertificates } from '@portcullis/pki';
import { DATA_LINK, identityFiles } from '@portcullis/layout';
import { watchIdentity, type Identity, type IdentitySource } from '@portcullis/trust';
import { eventually } from '../../../test-support/eventually';
import { tempCerts } from '../../../test-support/temp-mesh';
import { sourceOf } from '../../../test-support/tls-server';

/** Resolves with the next identity the watch reloads (counted from the call), or rejects after `ms`. */
async function nextReload(reloads: Identity[], ms = 3_000): Promise<Identity> {
  const seen = reloads.length;
  await eventually('a reload', () => reloads.length > seen, { withinMs: ms, everyMs: 20 });
  return reloads[seen]!;
}

describe('watching an identity directory', () => {
  let certs: Awaited<ReturnType<typeof tempCerts>>;
  let source: IdentitySource;
  let watch: ReturnType<typeof watchIdentity>;
  const reloads: Identity[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    certs = await tempCerts();
    source = sourceOf(certs.manifest, certs.dir, 'orders');
    // A long poll: these tests must be passed by the directory watch itself.
    watch = watchIdentity(source, { pollMs: 60_000, onReloaded: (i) => reloads.push(i), onRefused: (r) => refused.push(r) });
  });
  afterAll(() => {
    watch.close();
    certs.remove();
  });

  it('writes identities as Kubernetes does: visible names link through ..data', () => {
    const files = identityFiles(certs.dir, 'orders');
    expect(readlinkSync(files.cert)).toBe(join(DATA_LINK, 'tls.crt'));
    expect(readlinkSync(join(files.dir, DATA_LINK))).toMatch(/^\.\.\d{4}_/);
  });

  it('takes a renewed certificate within a moment, without being asked', async () => {
    const before = source.current().leaf.serialNumber;
    const reloaded = nextReload(reloads);
    await issueMeshCertificates(certs.manifest, certs.dir, { only: ['orders'], force: true });
    expect((await reloaded).leaf.serialNumber).not.toBe(before);
    expect(source.current().leaf.serialNumber).not.toBe(before);
  });

  it('refuses a mismatched pair, says so once, and keeps serving the previous identity', async () => {
    const serving = source.current().leaf.serialNumber;
    copyFileSync(identityFiles(certs.dir, 'payments').key, identityFiles(certs.dir, 'orders').key);
    await eventually('the mismatched pair to be refused', () => refused.length > 0);
    expect(refused).toEqual([expect.stringContaining('does not match the certificate')]);
    expect(source.current().leaf.serialNumber).toBe(serving);
    expect(source.refusedUpdates).toBe(1);
  });

  it.each([
    ['cut inside the leaf', (chain: string) => chain.slice(0, 200), 'does not hold a PEM certificate'],
    ['cut inside the intermediate', (chain: string) => chain.slice(0, chain.lastIndexOf('-----BEGIN') + 200), 'is not signed by any certificate authority'],
  ])('refuses a half-written certificate (%s) and recovers when a whole pair arrives', async (_cut, cut, problem) => {
    const fresh = nextReload(reloads);
    await issueMeshCertificates(certs.manifest, certs.dir, { only: ['orders'], force: true });
    const serving = (await fresh).leaf.serialNumber;
    const files = identityFiles(certs.dir, 'orders');
    writeFileSync(files.cert, cut(source.current().chainPem));
    await eventually('the half-written certificate to be refused', () => refused.at(-1)?.includes(problem) ?? false);
    expect(source.current().leaf.serialNumber).toBe(serving);

    const reloaded = nextReload(reloads);
    await issueMeshCertificates(certs.manifest, certs.dir, { only: ['orders'], force: true });
    expect((await reloaded).leaf.serialNumber).not.toBe(serving);
  });
});
