import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadManifest, parseManifest, type Manifest } from '@portcullis/manifest';
import { issueMeshCertificates, type IssueOptions } from '@portcullis/pki';

/** The repository's own manifest: tests run against the mesh as it is described, not a copy of it. */
export const REPO_ROOT = resolve(__dirname, '..');
export const MANIFEST_FILE = join(REPO_ROOT, 'mesh.yaml');
export const manifestText = (): string => readFileSync(MANIFEST_FILE, 'utf8');
export const repoManifest = (): Manifest => loadManifest(MANIFEST_FILE);

/** A manifest derived from the real one by textual edits, checked to have actually changed. */
export function editedManifest(...edits: [string | RegExp, string][]): { text: string; manifest: () => Manifest } {
  let text = manifestText();
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`edit did not apply: ${String(from)}`);
    text = next;
  }
  return { text, manifest: () => parseManifest(text, MANIFEST_FILE) };
}

/** The 1-based line of the first occurrence of `needle` in `text`, to check the line numbers errors name. */
export const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `portcullis-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Issues the whole mesh's certificates into a fresh directory; keys are made now and thrown away after. */
export async function tempCerts(manifest: Manifest = repoManifest(), options: IssueOptions = {}) {
  const temp = tempDir('certs');
  const result = await issueMeshCertificates(manifest, temp.dir, options);
  return { ...temp, manifest, result };
}

/**
 * The real manifest with every service's local address moved to another /24 of the loopback range,
 * keeping its last octet (127.0.0.3 -> `${prefix}.3`): a mesh of a test's own, next to the driver's.
 */
export function relocatedManifest(prefix: string): { text: string; manifest: () => Manifest } {
  const edits = [...repoManifest().services.values()].map((service): [string, string] => {
    const host = service.addresses.get('local')!.host;
    return [`local: ${host}\n`, `local: ${prefix}.${host.split('.').pop()}\n`];
  });
  return editedManifest(...edits);
}
