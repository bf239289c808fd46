import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { addressOf, loadManifest, type Manifest } from '@portcullis/manifest';
import { identityFiles } from '@portcullis/layout';
import { DEMO_CLIENT, SERVICE_NODE_FLAGS } from '@portcullis/mesh';
import { REPO_MANIFEST } from '../paths';
import { startProcess, type Running } from '../processes';
import type { GeneratorRequest } from './load-protocol';

/** The two chains the scenario compares: the services as they run, and the same services over plain HTTP. */
export type ChainKind = 'mtls' | 'plaintext';

export interface ChainMesh {
  readonly kind: ChainKind;
  readonly manifest: Manifest;
  /** Each service's process, by name. */
  readonly services: ReadonlyMap<string, Running>;
  /** What the load generator needs to send the demo client's orders to this chain. */
  readonly load: GeneratorRequest;
  /** Where the services write CPU profiles when signalled (profiler.ts). */
  readonly profileDir: string;
  stop(): Promise<void>;
}

const SERVICES_DIR = resolve(__dirname, '..', '..', '..', 'services');
const ENVIRONMENT = 'local';
/** The order the chain's load sends, as the demo client of the README. */
export const ORDER = { route: 'POST /orders', body: { sku: 'WIDGET-1', quantity: 1 } } as const;
const CLIENT = DEMO_CLIENT;

/**
 * The manifest a chain runs on. The mTLS chain runs on mesh.yaml itself; the plaintext chain on a
 * copy whose local addresses move to another /24 of 127.0.0.0/8, so both chains can run at once
 * and take turns round by round without restarting.
 */
function manifestFor(kind: ChainKind, dir: string): string {
  if (kind === 'mtls') return REPO_MANIFEST;
  const text = readFileSync(REPO_MANIFEST, 'utf8');
  const moved = text.replace(/^(\s+local: )127\.0\.0\.(\d{1,3})\b/gm, '$1127.0.1.$2');
  if (moved === text) throw new Error(`${REPO_MANIFEST} has no local address on 127.0.0.x for the plaintext chain to move`);
  const file = join(dir, 'mesh.yaml');
  writeFileSync(file, moved);
  return file;
}

/** The service that takes the demo client's orders: the one whose `POST /orders` allows it. */
export function entryService(manifest: Manifest): string {
  const [method, path] = ORDER.route.split(' ');
  const entry = [...manifest.services.values()].find((s) => s.routes.some((r) => r.method === method && r.path === path && r.allow.includes(CLIENT)));
  if (!entry) throw new Error(`no service of ${manifest.file} lets ${CLIENT} call ${ORDER.route}`);
  return entry.name;
}

/** An address in the entry's /24 that no service uses: where the plaintext chain's demo client speaks from. */
function spareAddress(manifest: Manifest, entry: string): string {
  const used = new Set([...manifest.services.keys()].map((name) => addressOf(manifest, name, ENVIRONMENT).host));
  const prefix = addressOf(manifest, entry, ENVIRONMENT).host.split('.').slice(0, 3).join('.');
  for (let last = 200; last < 255; last++) if (!used.has(`${prefix}.${last}`)) return `${prefix}.${last}`;
  throw new Error(`no spare address in ${prefix}.200-254`);
}

/**
 * Starts every service of the manifest from its own `dist/main.js`, with the flags the mesh runs
 * them with, as `mesh up` does but without its runner in between (no log files, no renewals:
 * leaves live a day, the run minutes), each with its own database under `dir`. The mTLS chain is
 * the services as they are; the plaintext chain preloads the bench's plaintext transport
 * (plaintext-preload.ts). Both load a preload, so both start alike and both can be profiled.
 */
export async function startChain(kind: ChainKind, certsDir: string, dir: string, timeoutMs = 30_000): Promise<ChainMesh> {
  mkdirSync(dir, { recursive: true });
  const manifestFile = manifestFor(kind, dir);
  const manifest = loadManifest(manifestFile);
  const entry = entryService(manifest);
  const clientAddress = kind === 'plaintext' ? spareAddress(manifest, entry) : undefined;
  const profileDir = join(dir, 'profiles');
  mkdirSync(profileDir, { recursive: true });
  const preload = join(__dirname, kind === 'mtls' ? 'mtls-preload.js' : 'plaintext-preload.js');
  const env = {
    ...process.env,
    PORTCULLIS_MANIFEST: manifestFile,
    PORTCULLIS_CERTS: certsDir,
    PORTCULLIS_ENV: ENVIRONMENT,
    PORTCULLIS_DATA: join(dir, 'data'),
    PORTCULLIS_BENCH_PROFILE_DIR: profileDir,
    ...(clientAddress ? { PORTCULLIS_BENCH_CLIENT_ADDRESSES: `${CLIENT}=${clientAddress}` } : {}),
  };
  const services = new Map<string, Running>();
  const stop = () => Promise.all([...services.values()].map((service) => service.stop())).then(() => undefined);
  try {
    await Promise.all(
      [...manifest.services.keys()].map(async (name) => {
        let onReady: () => void = () => undefined;
        const ready = new Promise<void>((resolve) => (onReady = resolve));
        const entryFile = join(SERVICES_DIR, name, 'dist', 'main.js');
        const running = startProcess(`${kind} ${name}`, process.execPath, [...SERVICE_NODE_FLAGS, '--require', preload, entryFile], env, (line) => {
          if (line.includes('"service.listening"')) onReady();
        });
        services.set(name, running);
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            ready,
            running.exited.then((code) => Promise.reject(new Error(`${kind} chain: ${name} exited (code ${code}): ${running.output.slice(-3).join(' | ')}`))),
            new Promise<never>(
              (_, reject) => (timer = setTimeout(() => reject(new Error(`${kind} chain: ${name} did not listen within ${timeoutMs} ms`)), timeoutMs)),
            ),
          ]);
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const { host, port } = addressOf(manifest, entry, ENVIRONMENT);
  const files = identityFiles(certsDir, CLIENT);
  const load: GeneratorRequest = {
    origin: `${kind === 'mtls' ? 'https' : 'http'}://${host}:${port}`,
    method: 'POST',
    path: ORDER.route.split(' ')[1]!,
    body: ORDER.body,
    expectStatus: [201],
    connections: 32,
    ...(kind === 'mtls' ? { tls: { certFile: files.cert, keyFile: files.key, caFile: files.bundle, servername: entry } } : { localAddress: clientAddress! }),
  };
  return { kind, manifest, services, load, profileDir, stop };
}
