import { join } from 'node:path';
import type { CertificateSpec } from '@portcullis/pki';
import { forgeLeaf, HOURS, meshAuthority, writeIdentity } from '../test-support/forge';
import { curl, sClient } from '../test-support/outside-clients';
import { tempDir } from '../test-support/temp-mesh';
import { MeshLog } from './support/mesh-log';
import { meshUnderTest } from './support/mesh-under-test';

const mesh = meshUnderTest();
const log = new MeshLog(mesh);
const DEMO = 'spiffe://portcullis.local/client/demo-client';

interface Row {
  readonly name: string;
  /** How the forged certificate differs from the demo client's real one. All are signed by the mesh CA. */
  readonly change: (spec: CertificateSpec) => CertificateSpec;
  /** Refused at the handshake (with this OpenSSL verify error) or with 403 (with this reason). */
  readonly refused: { readonly handshake: RegExp } | { readonly forbidden: RegExp };
}

/**
 * Every certificate below is signed by the real mesh CA, so chain validation
 * alone would accept most of them: each row is a rule of its own, and each
 * fails if that rule is removed.
 */
const matrix: Row[] = [
  {
    name: 'an expired certificate',
    change: (spec) => ({ ...spec, notBefore: new Date(Date.now() - HOURS(48)), notAfter: new Date(Date.now() - HOURS(1)) }),
    refused: { handshake: /CERT_HAS_EXPIRED/ },
  },
  {
    name: 'a certificate not yet valid',
    change: (spec) => ({ ...spec, notBefore: new Date(Date.now() + HOURS(1)), notAfter: new Date(Date.now() + HOURS(48)) }),
    refused: { handshake: /CERT_NOT_YET_VALID/ },
  },
  {
    name: 'a CA certificate (CA key usage) presented as a leaf',
    change: (spec) => ({ ...spec, isCA: true }),
    refused: { handshake: /INVALID_PURPOSE|UNSUPPORTED_CERTIFICATE_PURPOSE/ },
  },
  {
    name: 'a CA certificate that can also sign, presented as a leaf',
    change: (spec) => ({ ...spec, isCA: true, keyUsage: ['digitalSignature', 'keyCertSign'] }),
    refused: { forbidden: /it is a CA certificate, not a leaf/ },
  },
  {
    name: 'a CA certificate without keyCertSign (OpenSSL does not call it a CA)',
    change: (spec) => ({ ...spec, isCA: true, keyUsage: ['digitalSignature'] }),
    refused: { forbidden: /its basicConstraints say cA=true/ },
  },
  {
    name: 'a leaf (cA=false) that may sign certificates and CRLs',
    change: (spec) => ({ ...spec, keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'] }),
    refused: { forbidden: /its key usage has keyCertSign and cRLSign, which only a CA may have/ },
  },
  {
    name: 'a leaf without basicConstraints',
    change: (spec) => ({ ...spec, withoutBasicConstraints: true }),
    refused: { forbidden: /it has no basicConstraints extension/ },
  },
  {
    name: 'a leaf valid for 100 years',
    change: (spec) => ({ ...spec, notAfter: new Date(spec.notBefore.getTime() + 100 * 365.25 * HOURS(24)) }),
    refused: { forbidden: /it is valid for 36525 days, longer than the manifest's leaf lifetime of 24 hours/ },
  },
  {
    name: 'a leaf for servers only (serverAuth without clientAuth)',
    change: (spec) => ({ ...spec, extKeyUsage: ['serverAuth'] }),
    refused: { handshake: /INVALID_PURPOSE|UNSUPPORTED_CERTIFICATE_PURPOSE/ },
  },
  {
    name: 'a leaf without any extended key usage',
    change: (spec) => ({ ...spec, extKeyUsage: [] }),
    refused: { forbidden: /lacks the clientAuth extended key usage/ },
  },
  {
    name: 'a leaf without a URI SAN',
    change: (spec) => ({ ...spec, uris: [] }),
    refused: { forbidden: /has 0 SPIFFE IDs among 0 URI SANs/ },
  },
  {
    name: 'a leaf with two SPIFFE IDs',
    change: (spec) => ({ ...spec, uris: [DEMO, 'spiffe://portcullis.local/service/orders'] }),
    refused: { forbidden: /has 2 SPIFFE IDs among 2 URI SANs/ },
  },
  {
    name: 'a SPIFFE ID from another trust domain',
    change: (spec) => ({ ...spec, uris: ['spiffe://elsewhere.example/client/demo-client'] }),
    refused: { forbidden: /is from trust domain elsewhere\.example, not portcullis\.local/ },
  },
  {
    name: 'an identity the manifest does not know',
    change: (spec) => ({ ...spec, uris: ['spiffe://portcullis.local/client/intruder'] }),
    refused: { forbidden: /identity not in the manifest/ },
  },
];

describe('hostile clients against the gateway, with curl and openssl s_client', () => {
  const forged = tempDir('hostile');
  const bundle = mesh.identity('demo-client').bundle;
  const endpoint = mesh.endpoint('gateway');
  const gateway = endpoint.connect;
  const url = `${endpoint.origin}/inventory`;
  const files = new Map<string, ReturnType<typeof writeIdentity>>();

  beforeAll(async () => {
    const ca = meshAuthority(mesh.certsDir);
    for (const [index, row] of matrix.entries()) {
      const identity = await forgeLeaf(mesh.manifest, 'demo-client', ca.intermediate, row.change);
      files.set(row.name, writeIdentity(join(forged.dir, `row-${index}`), identity, ca.bundlePem));
    }
  });
  afterAll(() => forged.remove());
  beforeEach(() => log.markNow());

  it('lets the real demo client through (the control row)', () => {
    const demo = mesh.identity('demo-client');
    expect(curl(url, { cacert: bundle, cert: demo.cert, key: demo.key }, endpoint.curlArgs).status).toBe(200);
  });

  it.each(matrix)('refuses $name', async (row) => {
    const identity = files.get(row.name)!;
    const viaCurl = curl(url, { cacert: bundle, cert: identity.cert, key: identity.key }, endpoint.curlArgs);
    const viaOpenssl = await sClient(gateway, 'gateway', { cafile: bundle, cert: identity.cert, key: identity.key }, '/inventory');
    const refusals = await log.refusals('gateway', 2);

    const { refused } = row;
    if ('handshake' in refused) {
      expect(viaCurl.status).toBe(0);
      expect(viaOpenssl.answered).toBe(false);
      expect(refusals.map((r) => `${r.stage} ${r.reason}`)).toContainEqual(expect.stringMatching(/^handshake client certificate refused: /));
      expect(refusals.every((r) => r.stage === 'handshake' && refused.handshake.test(r.reason))).toBe(true);
    } else {
      expect(viaCurl.status).toBe(403);
      expect(JSON.parse(viaCurl.body)).toEqual(expect.objectContaining({ statusCode: 403, route: 'GET /inventory' }));
      expect(viaOpenssl.stdout).toMatch(/^HTTP\/1\.1 403/m);
      expect(refusals.length).toBeGreaterThan(0);
      expect(refusals.every((r) => r.stage === 'request' && refused.forbidden.test(r.reason))).toBe(true);
    }
    // Each refused attempt (one by curl, one by openssl) is logged exactly once.
    expect(refusals).toHaveLength(2);
  });
});
