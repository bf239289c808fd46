import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { loadManifest, type Manifest } from '@portcullis/manifest';
import { issueMeshCertificates, withAuthorityLock } from '@portcullis/pki';
import { DEFAULT_ENVIRONMENT } from '@portcullis/trust';
import { keepRenewing } from './renewer';
import { SERVICE_NODE_FLAGS } from './service-runtime';
import { monitorClient, waitUntilHealthy } from './readiness';
import { RestartPolicy } from './restart-policy';

/** The services' code sits beside this tool in the repository, wherever the manifest is. */
const SERVICES_DIR = resolve(__dirname, '..', '..', '..', 'services');

export interface LocalMeshOptions {
  readonly manifestFile: string;
  readonly certsDir: string;
  readonly environment?: string;
  /** Every line a service prints, for the runner to show or a test to keep. */
  readonly onOutput?: (service: string, line: string, stream: 'stdout' | 'stderr') => void;
  readonly readyTimeoutMs?: number;
  /** How often to look for certificates due for renewal (default: every minute). */
  readonly renewCheckMs?: number;
  /** Where services keep their databases, `<dir>/<service>/` (default: `data/` beside the certificates). */
  readonly dataDir?: string;
  /** Extra environment for every service (e.g. PORTCULLIS_FAULTS=1 for fault drills). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface LocalMesh {
  readonly manifest: Manifest;
  readonly certsDir: string;
  readonly dataDir: string;
  readonly environment: string;
  /** Milliseconds from the call until every service answered over mTLS. */
  readonly readyInMs: number;
  /** Each running service's process id, by name (for footprints and for fault tests' signals). */
  pids(): ReadonlyMap<string, number>;
  /** Stops one service (SIGTERM, then SIGKILL after 5 s) and starts it again, waiting until it is healthy. */
  restart(service: string): Promise<void>;
  /** Stops every service and waits for them to exit. */
  stop(): Promise<void>;
}

/**
 * The mesh as local processes, the default way to run it: issues whatever
 * certificates are missing or due, starts every service of the manifest on
 * its address for the environment, and resolves once each one answers
 * `GET /healthz` over mTLS as the manifest's monitor client.
 */
export async function startLocalMesh(options: LocalMeshOptions): Promise<LocalMesh> {
  const started = Date.now();
  const environment = options.environment ?? DEFAULT_ENVIRONMENT;
  const manifest = loadManifest(options.manifestFile);
  await withAuthorityLock(options.certsDir, () => issueMeshCertificates(manifest, options.certsDir));

  const processes = new Map<string, ChildProcess>();
  /** The last line each service wrote to stderr: its one-sentence reason when it fails to start. */
  const lastErrors = new Map<string, string>();
  const stopping = new AbortController();
  const monitor = monitorClient(manifest, options.certsDir, environment);
  const dataDir = resolve(options.dataDir ?? join(dirname(options.certsDir), 'data'));
  const restarts = new RestartPolicy();
  const spawnService = (name: string): ChildProcess => {
    const entry = join(SERVICES_DIR, name, 'dist', 'main.js');
    if (!existsSync(entry)) throw new Error(`${relative(process.cwd(), entry)} is missing; build the services first with "pnpm build"`);
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--enable-source-maps', entry], {
      cwd: process.cwd(),
      env: {
        ...process.env,
        ...options.env,
        PORTCULLIS_MANIFEST: manifest.file,
        PORTCULLIS_CERTS: options.certsDir,
        PORTCULLIS_ENV: environment,
        PORTCULLIS_DATA: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream]! }).on('line', (line) => {
        if (stream === 'stderr') lastErrors.set(name, line);
        options.onOutput?.(name, line, stream);
      });
    }
    const startedAt = Date.now();
    child.once('close', (code, signal) => {
      // A service that dies while the mesh runs must not go unnoticed, and is started again,
      // later each time it dies young, so that a crash loop does not spin.
      if (stopping.signal.aborted || processes.get(name) !== child) return;
      const delayMs = restarts.next(name, Date.now() - startedAt);
      options.onOutput?.(name, `exited (${signal ?? `code ${code}`}); restarting in ${delayMs} ms (restart ${restarts.count(name)})`, 'stderr');
      setTimeout(() => {
        if (stopping.signal.aborted || processes.get(name) !== child) return;
        try {
          spawnService(name);
        } catch (error) {
          options.onOutput?.(name, `restart failed: ${error instanceof Error ? error.message : String(error)}`, 'stderr');
        }
      }, delayMs);
    });
    processes.set(name, child);
    return child;
  };

  const startAndWait = async (name: string) => {
    const child = spawnService(name);
    const abort = new AbortController();
    const exited = new Promise<never>((_, reject) => {
      // 'close', not 'exit': by then its last words have been read from its stderr.
      child.once('close', (code, signal) => {
        reject(new Error(lastErrors.get(name) || `${name} exited (${signal ?? `code ${code}`}) before it was ready`));
      });
    });
    const timeout = setTimeout(() => abort.abort(), options.readyTimeoutMs ?? 30_000);
    try {
      await Promise.race([waitUntilHealthy(monitor.client, name, AbortSignal.any([abort.signal, stopping.signal])), exited]);
    } catch (error) {
      if (abort.signal.aborted) throw new Error(`${name} did not answer over mTLS within ${options.readyTimeoutMs ?? 30_000} ms`, { cause: error });
      throw error;
    } finally {
      clearTimeout(timeout);
      abort.abort();
      exited.catch(() => undefined);
    }
  };

  const stopService = (name: string): Promise<void> => {
    const child = processes.get(name);
    processes.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };
  let stopRenewing: () => void = () => {};
  const stop = async () => {
    stopping.abort();
    stopRenewing();
    await Promise.all([...processes.keys()].map(stopService));
    await monitor.close();
  };

  try {
    await Promise.all([...manifest.services.keys()].map(startAndWait));
  } catch (error) {
    await stop();
    throw error;
  }

  // Certificates are reissued as they come due; every service picks its new one up from the files.
  stopRenewing = keepRenewing(manifest, options.certsDir, options.renewCheckMs ?? 60_000, (line, isError) =>
    options.onOutput?.('mesh', line, isError ? 'stderr' : 'stdout'),
  );

  return {
    manifest,
    certsDir: options.certsDir,
    dataDir,
    environment,
    readyInMs: Date.now() - started,
    pids: () => new Map([...processes].filter(([, child]) => child.pid !== undefined).map(([name, child]) => [name, child.pid!])),
    async restart(name) {
      await stopService(name);
      await startAndWait(name);
    },
    stop,
  };
}
