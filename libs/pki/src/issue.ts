import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename } from 'node:path';
import type { Manifest, Workload } from '@portcullis/manifest';
import { identityFiles, parseDenyList, replaceDirectoryFiles, subjectAltNames, type IdentityFiles } from '@portcullis/layout';
import { loadOrCreateAuthority, type Authority, type AuthorityChange } from './authority';
import { readIfExists } from './authority-files';
import { generateRsaKey } from './keys';
import { leafProfile, type LeafNames } from './profiles';
import { isDueForRenewal } from './renewal';
import { signCertificate } from './sign';

export interface IssueResult {
  readonly name: string;
  /** `republished`: the same certificate with a new trust bundle or deny list. */
  readonly action: 'issued' | 'republished' | 'kept';
  /** Why a certificate was (re)issued: missing, due for renewal, names changed, ... */
  readonly reason: string;
  readonly notAfter: Date;
}

export interface IssueOptions {
  readonly now?: Date;
  /** Reissue even certificates that are still good (`mesh certs <name> --force`). */
  readonly force?: boolean;
  /** Only these workloads; all of the manifest's services and clients by default. */
  readonly only?: readonly string[];
}

/**
 * Makes sure every workload of the manifest has a current certificate under
 * `certsDir`. Idempotent: a certificate that is valid, chains to the current
 * intermediate, carries the names the manifest asks for and is not yet due for
 * renewal is kept as it is.
 */
export async function issueMeshCertificates(
  manifest: Manifest,
  certsDir: string,
  options: IssueOptions = {},
): Promise<{ authority: AuthorityChange; workloads: IssueResult[] }> {
  const now = options.now ?? new Date();
  const { authority, change } = await loadOrCreateAuthority(manifest, certsDir, now);
  const workloads = [...manifest.services.values(), ...manifest.clients.values()].filter((w) => !options.only || options.only.includes(w.name));
  const results = await Promise.all(
    workloads.map(async (workload): Promise<IssueResult> => {
      const files = identityFiles(certsDir, workload.name);
      const names = leafNames(manifest, workload);
      const reason = options.force ? 'forced' : reissueReason(files, names, authority, now);
      if (reason === undefined) {
        const chainPem = readFileSync(files.cert, 'utf8');
        const notAfter = new X509Certificate(chainPem).validToDate;
        if (readIfExists(files.bundle) === authority.bundlePem && (readIfExists(files.revoked) ?? '') === authority.revokedText) {
          return { name: workload.name, action: 'kept', reason: 'still valid', notAfter };
        }
        // Same key and certificate, new trust material: a CA rotation step or a revocation.
        writeIdentity(files, readFileSync(files.key, 'utf8'), chainPem, authority);
        return { name: workload.name, action: 'republished', reason: 'trust bundle or deny list changed', notAfter };
      }
      const key = await generateRsaKey(2048);
      const leafPem = signCertificate(leafProfile(workload.name, names, authority.intermediate, key.publicKeyPem, now, manifest.certificates.leafLifetimeMs));
      writeIdentity(files, key.privateKeyPem, leafPem + authority.intermediate.certPem, authority);
      return { name: workload.name, action: 'issued', reason, notAfter: new X509Certificate(leafPem).validToDate };
    }),
  );
  return { authority: change, workloads: results };
}

/**
 * The names a workload's certificate carries: its SPIFFE ID, and for a service every host peers dial it by.
 * A service on a loopback address also gets `localhost` (as mkcert's certificates do), so a person on this
 * machine can `curl https://localhost:8443/...` the one that listens on 127.0.0.1. Peers pin SPIFFE IDs,
 * not names, so the extra name lets no workload pass for another.
 */
export function leafNames(manifest: Manifest, workload: Workload): LeafNames {
  const service = manifest.services.get(workload.name);
  const hosts = service ? [...service.addresses.values()].map((a) => a.host) : [];
  const localhost = hosts.some(isLoopback) ? [LOCALHOST] : [];
  const dnsNames = service ? [...new Set([workload.name, ...hosts.filter((h) => isIP(h) === 0), ...localhost])] : [];
  const ips = [...new Set(hosts.filter((h) => isIP(h) !== 0))];
  return { id: workload.id, dnsNames, ips };
}

const LOCALHOST = 'localhost';

/** 127.0.0.0/8 and ::1: addresses only this machine reaches, where `localhost` names the same host. */
const isLoopback = (host: string): boolean => (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';

/** Key, chain, bundle and deny list change together, or not at all: a reloading service never sees a mixed set. */
function writeIdentity(files: IdentityFiles, keyPem: string, chainPem: string, authority: Authority): void {
  replaceDirectoryFiles(files.dir, {
    [basename(files.key)]: { content: keyPem, mode: 0o600 },
    [basename(files.cert)]: { content: chainPem, mode: 0o644 },
    [basename(files.bundle)]: { content: authority.bundlePem, mode: 0o644 },
    [basename(files.revoked)]: { content: authority.revokedText, mode: 0o644 },
  });
}

function reissueReason(files: IdentityFiles, names: LeafNames, authority: Authority, now: Date): string | undefined {
  if (!existsSync(files.cert) || !existsSync(files.key)) return 'missing';
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(readFileSync(files.cert));
    if (!leaf.checkPrivateKey(createPrivateKey(readFileSync(files.key)))) return 'key does not match';
  } catch {
    return 'unreadable';
  }
  if (!leaf.verify(new X509Certificate(authority.intermediate.certPem).publicKey)) return 'signed by an older CA';
  if (parseDenyList(authority.revokedText).has(leaf.serialNumber)) return 'revoked';
  if (isDueForRenewal(leaf, now)) return `due for renewal (expires ${leaf.validToDate.toISOString()})`;
  const sans = subjectAltNames(leaf);
  const same = (a: readonly string[], b: readonly string[]) => [...a].sort().join() === [...b].sort().join();
  if (!same(sans.uris, [names.id]) || !same(sans.dnsNames, names.dnsNames) || !same(sans.ips, names.ips)) {
    return 'names changed in the manifest';
  }
  return undefined;
}
