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
import { identityFiles, type IdentityFiles } from '@portcullis/trust';

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
  const root = { certPem: signCertificate(rootProfile(trustDomain, rootKey.privateKeyPem, rootKey.publicKeyPem, now, 24 * HOUR)), keyPem: rootKey.privateKeyPem };
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
  const spec = leafProfile(workload, leafNames(manifest, (manifest.services.get(workload) ?? manifest.clients.get(workload))!), issuer, key.publicKeyPem, new Date(), 24 * HOUR);
  return { chainPem: signCertificate(change(spec)) + issuer.certPem, keyPem: key.privateKeyPem };
}

/** A self-signed certificate carrying `workload`'s identity. */
export async function selfSigned(manifest: Manifest, workload: string): Promise<ForgedIdentity> {
  const key = await generateRsaKey();
  const spec = leafProfile(workload, leafNames(manifest, manifest.services.get(workload) ?? manifest.clients.get(workload)!), { certPem: '', keyPem: '' }, key.publicKeyPem, new Date(), HOUR);
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
