import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@portcullis/manifest';
import {
  authorityFiles,
  generateRsaKey,
  intermediateProfile,
  leafNames,
  leafProfile,
  rootProfile,
  signCertificate,
  type CertificateSpec,
  type Issuer,
} from '@portcullis/pki';
import { identityFiles, type IdentityFiles } from '@portcullis/layout';

/** Hostile or broken certificates, made at run time with the same CA code the mesh uses. */

const HOUR = 3_600_000;

export interface ForgedAuthority {
  readonly root: Issuer;
  readonly intermediate: Issuer;
  readonly bundlePem: string;
}

/** A complete CA of its own: valid in every way, but not the mesh's. */
export async function foreignAuthority(trustDomain = 'portcullis.local'): Promise<ForgedAuthority> {
  const now = new Date();
  const rootKey = await generateRsaKey();
  const root = {
    certPem: signCertificate(rootProfile(trustDomain, rootKey.privateKeyPem, rootKey.publicKeyPem, now, 24 * HOUR)),
    keyPem: rootKey.privateKeyPem,
  };
  const intermediateKey = await generateRsaKey();
  const intermediate = {
    certPem: signCertificate(intermediateProfile(trustDomain, root, intermediateKey.publicKeyPem, now, 24 * HOUR)),
    keyPem: intermediateKey.privateKeyPem,
  };
  return { root, intermediate, bundlePem: root.certPem };
}

export interface ForgedIdentity {
  readonly chainPem: string;
  readonly keyPem: string;
}

/**
 * A leaf for `workload` as the mesh CA would issue it, then bent by `change`
 * (expired, no EKU, two URI SANs, a CA bit, ...), signed by `issuer`.
 */
export async function forgeLeaf(
  manifest: Manifest,
  workload: string,
  issuer: Issuer,
  change: (spec: CertificateSpec) => CertificateSpec = (spec) => spec,
): Promise<ForgedIdentity> {
  const key = await generateRsaKey();
  const spec = leafProfile(
    workload,
    leafNames(manifest, (manifest.services.get(workload) ?? manifest.clients.get(workload))!),
    issuer,
    key.publicKeyPem,
    new Date(),
    24 * HOUR,
  );
  return { chainPem: signCertificate(change(spec)) + issuer.certPem, keyPem: key.privateKeyPem };
}

/** A self-signed certificate carrying `workload`'s identity. */
export async function selfSigned(manifest: Manifest, workload: string): Promise<ForgedIdentity> {
  const key = await generateRsaKey();
  const spec = leafProfile(
    workload,
    leafNames(manifest, manifest.services.get(workload) ?? manifest.clients.get(workload)!),
    { certPem: '', keyPem: '' },
    key.publicKeyPem,
    new Date(),
    HOUR,
  );
  const { issuer: _issuer, ...unsigned } = spec;
  return { chainPem: signCertificate({ ...unsigned, selfSignKeyPem: key.privateKeyPem }), keyPem: key.privateKeyPem };
}

/** Writes a forged identity where a workload (or a curl call) expects one. */
export function writeIdentity(dir: string, identity: ForgedIdentity, bundlePem: string): IdentityFiles {
  mkdirSync(dir, { recursive: true });
  const files = identityFiles(join(dir, '..'), dir.split('/').pop()!);
  writeFileSync(files.cert, identity.chainPem);
  writeFileSync(files.key, identity.keyPem, { mode: 0o600 });
  writeFileSync(files.bundle, bundlePem);
  return files;
}

export const HOURS = (n: number) => n * HOUR;

/** The mesh CA that `tempCerts` created in `certsDir`, to sign forged leaves with. */
export function meshAuthority(certsDir: string): ForgedAuthority {
  const files = authorityFiles(certsDir);
  const read = (file: string) => readFileSync(file, 'utf8');
  const root = { certPem: read(files.rootCert), keyPem: read(files.rootKey) };
  return { root, intermediate: { certPem: read(files.intermediateCert), keyPem: read(files.intermediateKey) }, bundlePem: root.certPem };
}

/** A leaf change that breaks one X509-SVID rule, and the problem `svidProblem` names for it. */
export interface SvidRuleBreaker {
  readonly name: string;
  readonly change: (spec: CertificateSpec) => CertificateSpec;
  readonly problem: RegExp;
}

/**
 * Leaves that chain to the mesh CA and that OpenSSL accepts for TLS (or would,
 * but for their key usage), each breaking one rule only our checks enforce.
 * The manifest's leaves live 24 hours.
 */
export const SVID_RULE_BREAKERS: readonly SvidRuleBreaker[] = [
  {
    name: 'cA=true without keyCertSign',
    change: (spec) => ({ ...spec, isCA: true, keyUsage: ['digitalSignature'] }),
    problem: /its basicConstraints say cA=true: it is a CA certificate, not a leaf/,
  },
  {
    name: 'cA=false with keyCertSign and cRLSign',
    change: (spec) => ({ ...spec, keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'] }),
    problem: /its key usage has keyCertSign and cRLSign, which only a CA may have/,
  },
  {
    name: 'cA=false with cRLSign',
    change: (spec) => ({ ...spec, keyUsage: ['digitalSignature', 'cRLSign'] }),
    problem: /its key usage has cRLSign, which only a CA may have/,
  },
  {
    name: 'no basicConstraints',
    change: (spec) => ({ ...spec, withoutBasicConstraints: true }),
    problem: /it has no basicConstraints extension; an SVID leaf must state cA=false/,
  },
  {
    name: 'valid for 100 years',
    change: (spec) => ({ ...spec, notAfter: new Date(spec.notBefore.getTime() + 100 * 365.25 * 24 * HOUR) }),
    problem: /it is valid for 36525 days, longer than the manifest's leaf lifetime of 24 hours/,
  },
  {
    name: 'valid for 25 hours',
    change: (spec) => ({ ...spec, notAfter: new Date(spec.notBefore.getTime() + 25 * HOUR) }),
    problem: /it is valid for 25 hours, longer than the manifest's leaf lifetime of 24 hours/,
  },
];
