import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { authorityFiles, issueMeshCertificates, renewalTime } from '@portcullis/pki';
import { identityFiles, subjectAltNames } from '@portcullis/layout';
import { editedManifest, repoManifest, tempCerts } from '../../../test-support/temp-mesh';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const HOUR = 3_600_000;

const certificates = (file: string) =>
  readFileSync(file, 'utf8')
    .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!
    .map((pem) => new X509Certificate(pem));

describe('the mesh CA', () => {
  let certs: Awaited<ReturnType<typeof tempCerts>>;
  beforeAll(async () => {
    certs = await tempCerts();
  });
  afterAll(() => certs.remove());

  it('issues a leaf for every service and client of the manifest', () => {
    expect(certs.result.authority).toEqual({ root: 'created', intermediate: 'created' });
    expect(certs.result.workloads.map((w) => [w.name, w.action])).toEqual(
      [...certs.manifest.services.keys(), ...certs.manifest.clients.keys()].map((name) => [name, 'issued']),
    );
  });

  it('writes X509-SVID leaves: one SPIFFE URI, not a CA, serverAuth and clientAuth, the names peers dial', () => {
    const [leaf, intermediate] = certificates(identityFiles(certs.dir, 'orders').cert);
    expect(leaf!.ca).toBe(false);
    expect(leaf!.keyUsage).toEqual(expect.arrayContaining([SERVER_AUTH, CLIENT_AUTH]));
    expect(subjectAltNames(leaf!)).toEqual({
      uris: ['spiffe://portcullis.local/service/orders'],
      dnsNames: ['orders', 'orders.portcullis.svc.cluster.local', 'localhost'],
      ips: ['127.0.0.2'],
    });
    expect(leaf!.verify(intermediate!.publicKey)).toBe(true);
    const lifetime = leaf!.validToDate.getTime() - leaf!.validFromDate.getTime();
    expect(lifetime).toBeGreaterThanOrEqual(24 * HOUR);
    expect(lifetime).toBeLessThanOrEqual(24 * HOUR + 10 * 60_000);
  });

  it('gives external clients only their SPIFFE ID', () => {
    const [leaf] = certificates(identityFiles(certs.dir, 'demo-client').cert);
    expect(subjectAltNames(leaf!)).toEqual({ uris: ['spiffe://portcullis.local/client/demo-client'], dnsNames: [], ips: [] });
  });

  it('chains root -> intermediate -> leaf with path length limits', () => {
    const ca = authorityFiles(certs.dir);
    const [root] = certificates(ca.rootCert);
    const [intermediate] = certificates(ca.intermediateCert);
    expect(root!.ca && intermediate!.ca).toBe(true);
    expect(root!.verify(root!.publicKey)).toBe(true);
    expect(intermediate!.verify(root!.publicKey)).toBe(true);
    const text = (file: string) => execFileSync('openssl', ['x509', '-in', file, '-noout', '-text'], { encoding: 'utf8' });
    expect(text(ca.rootCert)).toMatch(/CA:TRUE, pathlen:1/);
    expect(text(ca.intermediateCert)).toMatch(/CA:TRUE, pathlen:0/);
    expect(text(identityFiles(certs.dir, 'orders').cert)).toMatch(/Key Usage: critical\s+Digital Signature\s/);
    expect(text(identityFiles(certs.dir, 'orders').cert)).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
  });

  it('passes openssl verify for both TLS purposes, with only the bundle as trust anchor', () => {
    const files = identityFiles(certs.dir, 'payments');
    for (const purpose of ['sslserver', 'sslclient']) {
      const out = execFileSync('openssl', ['verify', '-purpose', purpose, '-CAfile', files.bundle, '-untrusted', files.cert, files.cert], { encoding: 'utf8' });
      expect(out.trim()).toBe(`${files.cert}: OK`);
    }
  });

  it('keeps private keys readable by their owner only', () => {
    expect(statSync(identityFiles(certs.dir, 'gateway').key).mode & 0o777).toBe(0o600);
    expect(statSync(authorityFiles(certs.dir).rootKey).mode & 0o777).toBe(0o600);
  });

  it('keeps valid certificates on a second run', async () => {
    const serial = certificates(identityFiles(certs.dir, 'gateway').cert)[0]!.serialNumber;
    const again = await issueMeshCertificates(certs.manifest, certs.dir);
    expect(again.authority).toEqual({ root: 'kept', intermediate: 'kept' });
    expect(again.workloads.every((w) => w.action === 'kept')).toBe(true);
    expect(certificates(identityFiles(certs.dir, 'gateway').cert)[0]!.serialNumber).toBe(serial);
  });

  it('renews leaves at about two thirds of their life, each at its own moment', async () => {
    const leaves = certs.manifest.services.size + certs.manifest.clients.size;
    const renewals = [...certs.manifest.services.keys(), ...certs.manifest.clients.keys()].map((name) =>
      renewalTime(certificates(identityFiles(certs.dir, name).cert)[0]!).getTime(),
    );
    expect(new Set(renewals).size).toBe(leaves);
    const early = await issueMeshCertificates(certs.manifest, certs.dir, { now: new Date(Date.now() + 14 * HOUR) });
    expect(early.workloads.filter((w) => w.action === 'issued')).toEqual([]);
    const later = await issueMeshCertificates(certs.manifest, certs.dir, { now: new Date(Date.now() + 18 * HOUR) });
    expect(later.workloads.every((w) => w.action === 'issued' && w.reason.startsWith('due for renewal'))).toBe(true);
  });

  it('reissues a certificate whose names changed in the manifest', async () => {
    const moved = editedManifest(['local: 127.0.0.4', 'local: 127.0.0.14']).manifest();
    const result = await issueMeshCertificates(moved, certs.dir);
    expect(result.workloads.filter((w) => w.action === 'issued')).toEqual([
      expect.objectContaining({ name: 'payments', reason: 'names changed in the manifest' }),
    ]);
    expect(subjectAltNames(certificates(identityFiles(certs.dir, 'payments').cert)[0]!).ips).toEqual(['127.0.0.14']);
  });

  it('names localhost only for services on a loopback address, and reissues when that changes', async () => {
    const local = editedManifest(['local: 127.0.0.4', 'local: payments.internal']).manifest();
    const result = await issueMeshCertificates(local, certs.dir);
    expect(result.workloads.filter((w) => w.action === 'issued')).toEqual([
      expect.objectContaining({ name: 'payments', reason: 'names changed in the manifest' }),
    ]);
    expect(subjectAltNames(certificates(identityFiles(certs.dir, 'payments').cert)[0]!)).toEqual({
      uris: ['spiffe://portcullis.local/service/payments'],
      dnsNames: ['payments', 'payments.internal', 'payments.portcullis.svc.cluster.local'],
      ips: [],
    });
    const back = await issueMeshCertificates(certs.manifest, certs.dir);
    expect(back.workloads.filter((w) => w.action === 'issued')).toEqual([
      expect.objectContaining({ name: 'payments', reason: 'names changed in the manifest' }),
    ]);
    expect(subjectAltNames(certificates(identityFiles(certs.dir, 'payments').cert)[0]!).dnsNames).toContain('localhost');
  });

  it('takes the leaf lifetime from the manifest', async () => {
    const short = await tempCerts(editedManifest(['leafLifetime: 24h', 'leafLifetime: 2h']).manifest());
    try {
      const [leaf] = certificates(identityFiles(short.dir, 'orders').cert);
      expect(leaf!.validToDate.getTime() - Date.now()).toBeLessThanOrEqual(2 * HOUR);
      expect(leaf!.validToDate.getTime() - Date.now()).toBeGreaterThan(2 * HOUR - 60_000);
    } finally {
      short.remove();
    }
  });

  it('issues only the workloads asked for', async () => {
    const result = await issueMeshCertificates(repoManifest(), certs.dir, { only: ['orders'], force: true });
    expect(result.workloads).toEqual([expect.objectContaining({ name: 'orders', action: 'issued', reason: 'forced' })]);
  });
});
