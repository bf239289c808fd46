import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest, type Manifest } from '@portcullis/manifest';
import { issueMeshCertificates } from '@portcullis/pki';
import { identityFiles } from '@portcullis/layout';
import { loadIdentity, svidRules } from '@portcullis/trust';
import { REPO_MANIFEST } from '../paths';
import { CALLER } from './target';

/** The outside clients' view of the caller's identity, in the file layouts `ab` and `openssl s_time` want. */
export interface CallerFiles {
  /** Leaf, intermediate, then key: `ab -E`. */
  readonly combinedPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  /**
   * The chain and the roots, for `-CAfile`: s_time sends only the first
   * certificate of `-cert`, and OpenSSL adds the intermediate from the
   * verify store, which is why it has to be here.
   */
  readonly caFile: string;
}

/** A throw-away certificate directory for the repository's manifest, made at run time; nothing is committed. */
export interface Fixture {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly certsDir: string;
  readonly caller: CallerFiles;
  remove(): void;
}

export async function createFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
  const manifest = loadManifest(REPO_MANIFEST);
  const certsDir = join(dir, 'certs');
  await issueMeshCertificates(manifest, certsDir);
  const workload = manifest.services.get(CALLER)!;
  const identity = loadIdentity(identityFiles(certsDir, CALLER), { id: workload.id, ...svidRules(manifest), fix: 'bench' });
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
  const caller: CallerFiles = {
    combinedPem: file('caller-combined.pem', identity.chainPem + identity.keyPem),
    certPem: file('caller.crt', identity.chainPem),
    keyPem: file('caller.key', identity.keyPem),
    caFile: file('caller-ca.pem', identity.chainPem + identity.bundlePem),
  };
  return { dir, manifest, certsDir, caller, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
