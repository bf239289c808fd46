import { copyFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { issueMeshCertificates } from '@portcullis/pki';
import { identityFiles } from '@portcullis/layout';
import { displayPath as show, IdentityError, IdentitySource, loadIdentity, type IdentityExpectation } from '@portcullis/trust';
import { forgeLeaf, foreignAuthority, HOURS, meshAuthority, SVID_RULE_BREAKERS, writeIdentity } from '../../../test-support/forge';
import { tempCerts } from '../../../test-support/temp-mesh';

describe('loading an identity at start-up', () => {
  let certs: Awaited<ReturnType<typeof tempCerts>>;
  const expectOrders = (): IdentityExpectation => ({
    id: 'spiffe://portcullis.local/service/orders',
    trustDomain: 'portcullis.local',
    leafLifetimeMs: certs.manifest.certificates.leafLifetimeMs,
    fix: 'pnpm mesh certs orders',
  });
  const failure = (files = identityFiles(certs.dir, 'orders'), expect = expectOrders()) => {
    try {
      loadIdentity(files, expect);
    } catch (error) {
      if (error instanceof IdentityError) return error.message;
      throw error;
    }
    throw new Error('the identity was accepted');
  };

  beforeEach(async () => {
    certs = await tempCerts();
  });
  afterEach(() => certs.remove());

  it('accepts what the mesh CA issued', () => {
    const identity = loadIdentity(identityFiles(certs.dir, 'orders'), expectOrders());
    expect(identity.id).toBe('spiffe://portcullis.local/service/orders');
    expect(identity.bundle).toHaveLength(1);
  });

  it('names a missing file and the command that creates it', () => {
    const files = identityFiles(certs.dir, 'orders');
    unlinkSync(files.key);
    expect(failure()).toBe(`${show(files.key)} is missing; issue it with "pnpm mesh certs orders"`);
  });

  it('names a key that does not belong to the certificate', () => {
    const files = identityFiles(certs.dir, 'orders');
    copyFileSync(identityFiles(certs.dir, 'payments').key, files.key);
    expect(failure()).toBe(`${show(files.key)} does not match the certificate in ${show(files.cert)}; reissue both with "pnpm mesh certs orders"`);
  });

  it('names a file that is not a certificate', () => {
    const files = identityFiles(certs.dir, 'orders');
    writeFileSync(files.cert, 'not a certificate\n');
    expect(failure()).toBe(`${show(files.cert)} does not hold a PEM certificate; reissue it with "pnpm mesh certs orders"`);
  });

  it('says when and how long ago a certificate expired', async () => {
    const ca = meshAuthority(certs.dir);
    const expired = await forgeLeaf(certs.manifest, 'orders', ca.intermediate, (spec) => ({
      ...spec,
      notBefore: new Date(Date.now() - HOURS(100)),
      notAfter: new Date(Date.now() - HOURS(96)),
    }));
    const files = writeIdentity(identityFiles(certs.dir, 'orders').dir, expired, ca.bundlePem);
    expect(failure()).toMatch(new RegExp(`^${show(files.cert)} expired \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(4 days ago\\); renew it with "pnpm mesh certs orders"$`));
  });

  it('refuses a certificate from another CA than the bundle', async () => {
    const foreign = await foreignAuthority();
    const files = identityFiles(certs.dir, 'orders');
    const leaf = await forgeLeaf(certs.manifest, 'orders', foreign.intermediate);
    writeFileSync(files.cert, leaf.chainPem);
    writeFileSync(files.key, leaf.keyPem);
    expect(failure()).toBe(
      `${show(files.cert)} is not signed by any certificate authority in ${show(files.bundle)}; reissue it from the mesh CA with "pnpm mesh certs orders"`,
    );
  });

  it.each(SVID_RULE_BREAKERS)('refuses to start with a leaf of its own with $name', async ({ change, problem }) => {
    const ca = meshAuthority(certs.dir);
    const forged = await forgeLeaf(certs.manifest, 'orders', ca.intermediate, change);
    const files = writeIdentity(identityFiles(certs.dir, 'orders').dir, forged, ca.bundlePem);
    const message = failure();
    expect(message).toMatch(new RegExp(`^${show(files.cert)} is not a usable SPIFFE certificate: `));
    expect(message).toMatch(problem);
    expect(message).toMatch(/; reissue it with "pnpm mesh certs orders"$/);
  });

  it('reads a file put in place of a ..data link as it is', () => {
    const files = identityFiles(certs.dir, 'orders');
    rmSync(files.cert);
    copyFileSync(identityFiles(certs.dir, 'payments').cert, files.cert);
    // Read through ..data, the old (matching) pair would be accepted; the new file does not match the key.
    expect(failure()).toContain(`does not match the certificate in ${show(files.cert)}`);
  });

  it('refuses a certificate for another identity than the manifest gives', () => {
    expect(failure(identityFiles(certs.dir, 'payments'))).toBe(
      `${show(identityFiles(certs.dir, 'payments').cert)} is for spiffe://portcullis.local/service/payments but the manifest says spiffe://portcullis.local/service/orders; reissue it with "pnpm mesh certs orders"`,
    );
  });
});

describe('an identity source', () => {
  it('swaps only to a valid new identity and keeps the old one otherwise', async () => {
    const certs = await tempCerts();
    try {
      const files = identityFiles(certs.dir, 'orders');
      const source = IdentitySource.open(files, { id: 'spiffe://portcullis.local/service/orders', trustDomain: 'portcullis.local', leafLifetimeMs: HOURS(24), fix: 'x' });
      const seen: string[] = [];
      source.onChange((identity) => seen.push(identity.leaf.serialNumber));
      const before = source.current().leaf.serialNumber;

      copyFileSync(identityFiles(certs.dir, 'payments').key, files.key);
      const refused = source.reload();
      expect(refused.changed).toBe(false);
      expect(refused.error?.message).toContain('does not match the certificate');
      expect(source.current().leaf.serialNumber).toBe(before);

      await issueMeshCertificates(certs.manifest, certs.dir, { only: ['orders'], force: true });
      expect(source.reload()).toEqual({ changed: true });
      expect(source.current().leaf.serialNumber).not.toBe(before);
      expect(seen).toEqual([source.current().leaf.serialNumber]);
    } finally {
      certs.remove();
    }
  });
});
