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
  /** Why loading is refused: its stable code, and its sentence (checked for the file it names and the fix). */
  const refusal = (files = identityFiles(certs.dir, 'orders'), expect = expectOrders()) => {
    try {
      loadIdentity(files, expect);
    } catch (error) {
      if (error instanceof IdentityError) return { code: error.code, message: error.message };
      throw error;
    }
    throw new Error('the identity was accepted');
  };
  const failure = (files = identityFiles(certs.dir, 'orders'), expect = expectOrders()) => refusal(files, expect).message;

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
    expect(refusal()).toEqual({
      code: 'PORTCULLIS_ERR_IDENTITY_FILE_MISSING',
      message: expect.stringMatching(new RegExp(`^${show(files.key)} .*"pnpm mesh certs orders"$`)),
    });
  });

  it('names a key that does not belong to the certificate', () => {
    const files = identityFiles(certs.dir, 'orders');
    copyFileSync(identityFiles(certs.dir, 'payments').key, files.key);
    expect(refusal()).toEqual({
      code: 'PORTCULLIS_ERR_IDENTITY_KEY_MISMATCH',
      message: expect.stringMatching(new RegExp(`^${show(files.key)} .*${show(files.cert)}.*"pnpm mesh certs orders"$`)),
    });
  });

  it('names a file that is not a certificate', () => {
    const files = identityFiles(certs.dir, 'orders');
    writeFileSync(files.cert, 'not a certificate\n');
    expect(refusal()).toEqual({
      code: 'PORTCULLIS_ERR_IDENTITY_NOT_PEM',
      message: expect.stringMatching(new RegExp(`^${show(files.cert)} .*"pnpm mesh certs orders"$`)),
    });
  });

  it('says when and how long ago a certificate expired', async () => {
    const ca = meshAuthority(certs.dir);
    const expired = await forgeLeaf(certs.manifest, 'orders', ca.intermediate, (spec) => ({
      ...spec,
      notBefore: new Date(Date.now() - HOURS(100)),
      notAfter: new Date(Date.now() - HOURS(96)),
    }));
    const files = writeIdentity(identityFiles(certs.dir, 'orders').dir, expired, ca.bundlePem);
    expect(refusal().code).toBe('PORTCULLIS_ERR_IDENTITY_EXPIRED');
    // When and how long ago, so the operator can tell a stopped renewer from a clock that jumped.
    expect(failure()).toMatch(
      new RegExp(`^${show(files.cert)} expired \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(4 days ago\\); renew it with "pnpm mesh certs orders"$`),
    );
  });

  it('refuses a certificate from another CA than the bundle', async () => {
    const foreign = await foreignAuthority();
    const files = identityFiles(certs.dir, 'orders');
    const leaf = await forgeLeaf(certs.manifest, 'orders', foreign.intermediate);
    writeFileSync(files.cert, leaf.chainPem);
    writeFileSync(files.key, leaf.keyPem);
    expect(refusal()).toEqual({
      code: 'PORTCULLIS_ERR_IDENTITY_UNTRUSTED',
      message: expect.stringMatching(new RegExp(`^${show(files.cert)} .*${show(files.bundle)}.*"pnpm mesh certs orders"$`)),
    });
  });

  it.each(SVID_RULE_BREAKERS)('refuses to start with a leaf of its own with $name', async ({ change, problem }) => {
    const ca = meshAuthority(certs.dir);
    const forged = await forgeLeaf(certs.manifest, 'orders', ca.intermediate, change);
    const files = writeIdentity(identityFiles(certs.dir, 'orders').dir, forged, ca.bundlePem);
    expect(refusal().code).toBe('PORTCULLIS_ERR_IDENTITY_NOT_SVID');
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
    expect(refusal().code).toBe('PORTCULLIS_ERR_IDENTITY_KEY_MISMATCH');
  });

  it('refuses a certificate for another identity than the manifest gives', () => {
    expect(refusal(identityFiles(certs.dir, 'payments'))).toEqual({
      code: 'PORTCULLIS_ERR_IDENTITY_WRONG_ID',
      // Both identities, so the operator sees which files went where.
      message: expect.stringMatching(/spiffe:\/\/portcullis\.local\/service\/payments.*spiffe:\/\/portcullis\.local\/service\/orders/),
    });
  });
});

describe('an identity source', () => {
  it('swaps only to a valid new identity and keeps the old one otherwise', async () => {
    const certs = await tempCerts();
    try {
      const files = identityFiles(certs.dir, 'orders');
      const source = IdentitySource.open(files, {
        id: 'spiffe://portcullis.local/service/orders',
        trustDomain: 'portcullis.local',
        leafLifetimeMs: HOURS(24),
        fix: 'x',
      });
      const seen: string[] = [];
      source.onChange((identity) => seen.push(identity.leaf.serialNumber));
      const before = source.current().leaf.serialNumber;

      copyFileSync(identityFiles(certs.dir, 'payments').key, files.key);
      const refused = source.reload();
      expect(refused.changed).toBe(false);
      expect(refused.error).toMatchObject({ code: 'PORTCULLIS_ERR_IDENTITY_KEY_MISMATCH' });
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
