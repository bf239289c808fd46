import { X509Certificate } from 'node:crypto';
import type { Manifest } from '@portcullis/manifest';
import { readAuthority, writeAuthority } from './authority-store';
import { authorityFiles, readIfExists } from './authority-files';
import { generateRsaKey } from './keys';
import { intermediateProfile, rootProfile } from './profiles';
import { isDueForRenewal } from './renewal';
import { pruneDenyList } from './revocation';
import { signCertificate, type Issuer } from './sign';
import { AuthorityError } from './errors';

/** The mesh CA: a long-lived root that only signs the intermediate, which signs every leaf. */
export interface Authority {
  readonly root: Issuer;
  readonly intermediate: Issuer;
  /** What every workload trusts: the root certificate(s), as PEM. */
  readonly bundlePem: string;
  /** The deny list every workload gets with the bundle. */
  readonly revokedText: string;
}

export interface AuthorityChange {
  readonly root: 'created' | 'kept';
  readonly intermediate: 'created' | 'renewed' | 'kept';
}

/**
 * Loads the CA from `certs/ca/`, creating the root and intermediate when
 * missing and replacing the intermediate (new key) when it is due for renewal
 * or no longer chains to the root. The deny list it loads has lost the entries
 * whose certificates have long expired (see `revocation.ts`).
 */
export async function loadOrCreateAuthority(manifest: Manifest, certsDir: string, now: Date): Promise<{ authority: Authority; change: AuthorityChange }> {
  const files = authorityFiles(certsDir);

  const stored = readAuthority(files);
  let root = stored.root;
  const created = !root;
  if (!root) root = await createRoot(manifest, now);
  else if (new X509Certificate(root.certPem).validToDate <= now) {
    // Replacing the trust anchor silently would cut every workload off at once; that is what rotation is for.
    throw new AuthorityError(
      'PORTCULLIS_ERR_CA_ROOT_EXPIRED',
      `${files.rootCert} expired ${new X509Certificate(root.certPem).validToDate.toISOString()}; every certificate must be reissued under a new root: delete ${files.dir} and run "pnpm mesh certs" (rotate with "pnpm mesh ca rotate" before the next one expires)`,
    );
  }

  let intermediate = created ? undefined : stored.intermediate;
  const intermediateState = intermediate ? intermediateProblem(intermediate, root, now) : 'missing';
  if (intermediateState) {
    intermediate = await createIntermediate(manifest, root, now);
    writeAuthority(files, { root, intermediate });
  }

  return {
    authority: {
      root,
      intermediate: intermediate!,
      bundlePem: bundleWith(readIfExists(files.bundle), root),
      revokedText: pruneDenyList(certsDir, now),
    },
    change: {
      root: created ? 'created' : 'kept',
      intermediate: intermediateState === undefined ? 'kept' : intermediateState === 'missing' ? 'created' : 'renewed',
    },
  };
}

/** A new root key and self-signed certificate; `writeAuthority` stores it with its intermediate. */
export async function createRoot(manifest: Manifest, now: Date): Promise<Issuer> {
  const key = await generateRsaKey(3072);
  const certPem = signCertificate(rootProfile(manifest.trustDomain, key.privateKeyPem, key.publicKeyPem, now, manifest.certificates.rootLifetimeMs));
  return { certPem, keyPem: key.privateKeyPem };
}

/** A new intermediate signed by `root`. */
export async function createIntermediate(manifest: Manifest, root: Issuer, now: Date): Promise<Issuer> {
  const key = await generateRsaKey(2048);
  const certPem = signCertificate(intermediateProfile(manifest.trustDomain, root, key.publicKeyPem, now, manifest.certificates.intermediateLifetimeMs));
  return { certPem, keyPem: key.privateKeyPem };
}

/** The bundle file while it trusts the current root (a rotation in progress), otherwise the root alone. */
function bundleWith(bundle: string | undefined, root: Issuer): string {
  return bundle?.includes(root.certPem.trim()) ? bundle : root.certPem;
}

function intermediateProblem(intermediate: Issuer, root: Issuer, now: Date): string | undefined {
  const cert = new X509Certificate(intermediate.certPem);
  if (!cert.verify(new X509Certificate(root.certPem).publicKey)) return 'not signed by the root';
  if (isDueForRenewal(cert, now)) return 'due for renewal';
  return undefined;
}
