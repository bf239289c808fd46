import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { authorityFiles } from '@portcullis/pki';
import { identityFiles, pemCertificates } from '@portcullis/layout';
import type { DoctorContext } from './finding';

/** A root by its SHA-256 fingerprint (as `GET /healthz` reports it) and its subject, for a reader. */
export interface Root {
  readonly fingerprint: string;
  readonly subject: string;
}

/** The roots of a PEM bundle; undefined when the file does not exist. */
export function readRoots(file: string): Root[] | undefined {
  if (!existsSync(file)) return undefined;
  return pemCertificates(readFileSync(file, 'utf8')).map((pem) => {
    const cert = new X509Certificate(pem);
    return { fingerprint: cert.fingerprint256, subject: cert.subject.replaceAll('\n', ', ') };
  });
}

/**
 * The roots every workload should trust: the CA's published bundle
 * (`certs/ca/bundle.crt`, which `pnpm mesh certs` copies into every ca.crt),
 * or when there is no CA directory (a mounted Secret), the bundle most
 * workloads hold.
 */
export function referenceRoots(context: DoctorContext): { roots: readonly string[]; from: string } {
  const published = publishedRoots(context.certsDir);
  if (published) return { roots: published, from: 'the CA (certs/ca)' };
  const counts = new Map<string, number>();
  for (const name of workloadNames(context)) {
    const roots = readRoots(identityFiles(context.certsDir, name).bundle);
    if (!roots) continue;
    const key = roots
      .map((root) => root.fingerprint)
      .sort()
      .join(',');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const [key] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [''];
  return { roots: key ? key.split(',') : [], from: 'the bundle most workloads hold' };
}

/**
 * The roots the CA publishes to every workload, read as `pnpm mesh certs`
 * reads them (authority.ts, `bundleWith`): `ca/bundle.crt` while it holds the
 * current root (a rotation in progress), otherwise the root alone. Undefined
 * when there is no CA here.
 */
export function publishedRoots(certsDir: string): string[] | undefined {
  const files = authorityFiles(certsDir);
  const root = readRoots(files.rootCert)?.[0];
  if (!root) return undefined;
  const bundle = readRoots(files.bundle)?.map((r) => r.fingerprint);
  return bundle?.includes(root.fingerprint) ? bundle : [root.fingerprint];
}

/** How a set of roots differs from the reference: what it has that the reference lacks, and the reverse. */
export function rootDifference(held: readonly string[], reference: readonly string[]): { extra: string[]; missing: string[] } {
  return { extra: held.filter((fp) => !reference.includes(fp)), missing: reference.filter((fp) => !held.includes(fp)) };
}

export function workloadNames(context: Pick<DoctorContext, 'manifest'>): string[] {
  return [...context.manifest.services.keys(), ...context.manifest.clients.keys()];
}
