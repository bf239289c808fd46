import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@portcullis/manifest';
import { identitySecretName, PART_OF } from './environment';

/** The files of a workload's identity directory that travel in its Secret, and whether each must be there. */
const IDENTITY_FILES: readonly [file: string, required: boolean][] = [
  ['tls.crt', true],
  ['tls.key', true],
  ['ca.crt', true],
  ['revoked.txt', false],
];

/** The Secret object the Kubernetes API takes: the subset of V1Secret the renewer writes. */
export interface IdentitySecret {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
  readonly type: 'Opaque';
  /** Base64, as the API's `data` field wants it. */
  readonly data: Record<string, string>;
}

/**
 * A service's identity directory (certs/<name>, as `mesh certs` writes it) as
 * the Secret its pod mounts at /certs/<name>: all four files in one object, so
 * one replace publishes key, certificate, bundle and deny list together.
 * A missing required file is an error that names it, never a Secret without it.
 */
export function identitySecret(manifest: Manifest, certsDir: string, service: string, namespace: string): IdentitySecret {
  if (!manifest.services.has(service)) throw new Error(`${manifest.file}: there is no service "${service}" to write a Secret for`);
  const dir = join(certsDir, service);
  const data: Record<string, string> = {};
  for (const [file, required] of IDENTITY_FILES) {
    let content: Buffer;
    try {
      content = readFileSync(join(dir, file));
    } catch (error) {
      if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`${join(dir, file)} cannot be read (${(error as Error).message}); run "pnpm mesh certs ${service}"`, { cause: error });
    }
    data[file] = content.toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: identitySecretName(service), namespace, labels: { 'app.kubernetes.io/name': service, 'app.kubernetes.io/part-of': PART_OF } },
    type: 'Opaque',
    data,
  };
}

/** Whether the Secret in the cluster already holds these files (so the renewer writes only what changed). */
export function sameData(live: { data?: Record<string, string> } | undefined, wanted: IdentitySecret): boolean {
  const have = live?.data ?? {};
  const keys = new Set([...Object.keys(have), ...Object.keys(wanted.data)]);
  return [...keys].every((key) => have[key] === wanted.data[key]);
}
