import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Manifest } from '@portcullis/manifest';
import { authorityFiles, writeFileAtomic } from './files';
import { generateRsaKey } from './keys';
import { intermediateProfile, rootProfile } from './profiles';
import { isDueForRenewal } from './renewal';
import { signCertificate, type Issuer } from './sign';

/** The mesh CA: a long-lived root that only signs the intermediate, which signs every leaf. */
export interface Authority {
  readonly root: Issuer;
  readonly intermediate: Issuer;
  /** What every workload trusts: the root certificate(s), as PEM. */
  readonly bundlePem: string;
}

export interface AuthorityChange {
  readonly root: 'created' | 'kept';
  readonly intermediate: 'created' | 'renewed' | 'kept';
}

/**
 * Loads the CA from `certs/ca/`, creating the root and intermediate when
 * missing and re-signing the intermediate when it is due for renewal or no
 * longer chains to the root.
 */
export async function loadOrCreateAuthority(
  manifest: Manifest,
  certsDir: string,
  now: Date,
): Promise<{ authority: Authority; change: AuthorityChange }> {
  const files = authorityFiles(certsDir);
  const policy = manifest.certificates;

  let root = readIssuer(files.rootCert, files.rootKey);
  const rootUsable = root && new X509Certificate(root.certPem).validToDate > now;
  if (!root || !rootUsable) {
    const key = await generateRsaKey(3072);
    const certPem = signCertificate(rootProfile(manifest.trustDomain, key.privateKeyPem, key.publicKeyPem, now, policy.rootLifetimeMs));
    root = { certPem, keyPem: key.privateKeyPem };
    writeFileAtomic(files.rootKey, root.keyPem, 0o600);
    writeFileAtomic(files.rootCert, root.certPem, 0o644);
  }

  let intermediate = readIssuer(files.intermediateCert, files.intermediateKey);
  const intermediateState = intermediate ? intermediateProblem(intermediate, root, now) : 'missing';
  if (intermediateState) {
    const key = await generateRsaKey(2048);
    const certPem = signCertificate(
      intermediateProfile(manifest.trustDomain, root, key.publicKeyPem, now, policy.intermediateLifetimeMs),
    );
    intermediate = { certPem, keyPem: key.privateKeyPem };
    writeFileAtomic(files.intermediateKey, intermediate.keyPem, 0o600);
    writeFileAtomic(files.intermediateCert, intermediate.certPem, 0o644);
  }

  return {
    authority: { root, intermediate: intermediate!, bundlePem: root.certPem },
    change: {
      root: rootUsable ? 'kept' : 'created',
      intermediate: intermediateState === undefined ? 'kept' : intermediateState === 'missing' ? 'created' : 'renewed',
    },
  };
}

function readIssuer(certFile: string, keyFile: string): Issuer | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  const issuer = { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
  const cert = new X509Certificate(issuer.certPem);
  return cert.checkPrivateKey(createPrivateKey(issuer.keyPem)) ? issuer : undefined;
}

function intermediateProblem(intermediate: Issuer, root: Issuer, now: Date): string | undefined {
  const cert = new X509Certificate(intermediate.certPem);
  if (!cert.verify(new X509Certificate(root.certPem).publicKey)) return 'not signed by the root';
  if (isDueForRenewal(cert, now)) return 'due for renewal';
  return undefined;
}
