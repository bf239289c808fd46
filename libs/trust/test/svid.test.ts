import { X509Certificate } from 'node:crypto';
import { repoManifest } from '../../../test-support/temp-mesh';
import { forgeLeaf, foreignAuthority, HOURS, SVID_RULE_BREAKERS, type ForgedAuthority } from '../../../test-support/forge';
import { LEAF_LIFETIME_MARGIN_MS, leafExtensions, svidProblem, svidRules } from '@portcullis/trust';

/**
 * The rules on a leaf's own extensions and lifetime. Chains are not checked
 * here (that is OpenSSL's job), so any CA will do to sign the leaves.
 */
describe('the X509-SVID rules', () => {
  const manifest = repoManifest();
  const rules = svidRules(manifest);
  let ca: ForgedAuthority;
  beforeAll(async () => {
    ca = await foreignAuthority();
  });
  const leaf = async (change?: Parameters<typeof forgeLeaf>[3]) => new X509Certificate((await forgeLeaf(manifest, 'orders', ca.intermediate, change)).chainPem);

  it('take the trust domain and the leaf lifetime from the manifest', () => {
    expect(rules).toEqual({ trustDomain: 'portcullis.local', leafLifetimeMs: HOURS(24) });
  });

  it('accept a leaf as the mesh CA issues it, for both roles', async () => {
    const issued = await leaf();
    expect(svidProblem(issued, 'server', rules)).toBeUndefined();
    expect(svidProblem(issued, 'client', rules)).toBeUndefined();
    expect(leafExtensions(issued.raw)).toEqual({
      basicConstraints: { cA: false },
      keyUsage: { digitalSignature: true, keyCertSign: false, cRLSign: false },
      repeated: [],
    });
  });

  it.each(SVID_RULE_BREAKERS)('refuse a leaf with $name', async ({ change, problem }) => {
    const forged = await leaf(change);
    expect(svidProblem(forged, 'server', rules)).toMatch(problem);
    expect(svidProblem(forged, 'client', rules)).toMatch(problem);
  });

  it('refuse a key usage without digitalSignature (OpenSSL refuses such a leaf in a chain too, so it is only here)', async () => {
    const forged = await leaf((spec) => ({ ...spec, keyUsage: [] }));
    expect(svidProblem(forged, 'client', rules)).toBe('its key usage lacks digitalSignature');
  });

  it('read that a leaf without basicConstraints has none, rather than a default', async () => {
    const forged = await leaf((spec) => ({ ...spec, withoutBasicConstraints: true }));
    expect(leafExtensions(forged.raw).basicConstraints).toBeUndefined();
    // OpenSSL's derived flag cannot tell: this is why the extensions are read.
    expect(forged.ca).toBe(false);
  });

  it('allow the 5 minutes the CA backdates and a margin, and not a minute more', async () => {
    const lasting = (ms: number) => leaf((spec) => ({ ...spec, notAfter: new Date(spec.notBefore.getTime() + ms) }));
    const limit = rules.leafLifetimeMs + LEAF_LIFETIME_MARGIN_MS;
    expect(svidProblem(await lasting(rules.leafLifetimeMs + 5 * 60_000), 'client', rules)).toBeUndefined();
    expect(svidProblem(await lasting(limit), 'client', rules)).toBeUndefined();
    expect(svidProblem(await lasting(limit + 60_000), 'client', rules)).toBe(
      "it is valid for 24 hours 11 minutes, longer than the manifest's leaf lifetime of 24 hours",
    );
  });

  it('name a CA certificate posing as a leaf even when its key usage may sign', async () => {
    const forged = await leaf((spec) => ({ ...spec, isCA: true, keyUsage: ['digitalSignature', 'keyCertSign'] }));
    expect(svidProblem(forged, 'client', rules)).toBe('its basicConstraints say cA=true: it is a CA certificate, not a leaf');
  });
});
