import { join } from 'node:path';
import { addressOf } from '@portcullis/manifest';
import { identityFiles } from '@portcullis/trust';
import { addMemory, NO_MEMORY, pinned, startProcess, waitForPort, type CpuLayout, type Memory, type Running } from '../processes';
import { REPO_ROOT } from '../paths';
import type { Fixture } from './fixture';
import { ROUTE, SERVICE } from './target';
import { nginxCommand } from './nginx';

/** Every way of serving the same route that the benchmark compares. */
export const SERVERS = ['plaintext', 'tls-only', 'portcullis', 'sidecar', 'bare-http', 'bare-https'] as const;
export type ServerName = (typeof SERVERS)[number];

export interface ServerUnderTest {
  readonly name: ServerName;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** The processes that serve it: their CPU time and memory are what it costs. */
  readonly processes: readonly Running[];
}

export interface Servers {
  readonly byName: ReadonlyMap<ServerName, ServerUnderTest>;
  stop(): Promise<void>;
}

const PLAINTEXT_PORT = 8080;
/** The sidecar and the bare servers get loopback addresses of their own; all of 127/8 is loopback on Linux. */
const SIDECAR_HOST = '127.0.0.103';
const BARE_HOST = '127.0.0.105';
const TLS_ONLY_HOST = '127.0.0.104';

/**
 * Starts every contender at once on the service core: the real inventory
 * service as the mesh runs it (mTLS on its manifest address), the same module
 * in plaintext and with TLS only, nginx terminating mTLS in front of that
 * plaintext app, and the two bare servers. Only the one under load uses the core at any moment.
 */
export async function startServers(fixture: Fixture, layout: CpuLayout): Promise<Servers> {
  const node = (name: string, script: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
    startProcess(name, ...pinned(layout.serviceCpus, process.execPath, [script, ...args]), env);
  const started: Running[] = [];
  const byName = new Map<ServerName, ServerUnderTest>();
  const add = async (server: ServerUnderTest) => {
    started.push(...server.processes.filter((p) => !started.includes(p)));
    await waitForPort(server.host, server.port, server.processes[0]!);
    byName.set(server.name, server);
  };
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop()));
  };
  try {
    await startEach(fixture, node, layout, add);
  } catch (error) {
    await stop();
    throw error;
  }
  return { byName, stop };
}

async function startEach(
  fixture: Fixture,
  node: (name: string, script: string, args: string[], env?: NodeJS.ProcessEnv) => Running,
  layout: CpuLayout,
  add: (server: ServerUnderTest) => Promise<void>,
): Promise<void> {
  const service = addressOf(fixture.manifest, SERVICE, 'local');
  const portcullis = node('portcullis', join(REPO_ROOT, 'services', SERVICE, 'dist', 'main.js'), [], {
    ...process.env,
    PORTCULLIS_MANIFEST: fixture.manifest.file,
    PORTCULLIS_CERTS: fixture.certsDir,
    PORTCULLIS_ENV: 'local',
  });
  await add({ name: 'portcullis', host: service.host, port: service.port, tls: true, processes: [portcullis] });

  const inventoryApp = join(__dirname, 'inventory-app.js');
  const app = node('plaintext', inventoryApp, ['plaintext', service.host, String(PLAINTEXT_PORT)]);
  await add({ name: 'plaintext', host: service.host, port: PLAINTEXT_PORT, tls: false, processes: [app] });
  const tlsOnly = node('tls-only', inventoryApp, ['tls-only', TLS_ONLY_HOST, String(service.port), fixture.certsDir]);
  await add({ name: 'tls-only', host: TLS_ONLY_HOST, port: service.port, tls: true, processes: [tlsOnly] });

  const sidecar = startProcess(
    'sidecar',
    ...pinned(
      layout.serviceCpus,
      ...nginxCommand({
        listen: { host: SIDECAR_HOST, port: service.port },
        upstream: { host: service.host, port: PLAINTEXT_PORT },
        identity: identityFiles(fixture.certsDir, SERVICE),
        dir: join(fixture.dir, 'nginx'),
      }),
    ),
  );
  await add({ name: 'sidecar', host: SIDECAR_HOST, port: service.port, tls: true, processes: [sidecar, app] });

  // The bare servers answer exactly what the real route answers.
  const body = await fetch(`http://${service.host}:${PLAINTEXT_PORT}${ROUTE}`).then((r) => r.text());
  const bare = join(__dirname, 'bare-server.js');
  const bareHttp = node('bare-http', bare, ['http', BARE_HOST, String(PLAINTEXT_PORT), body]);
  await add({ name: 'bare-http', host: BARE_HOST, port: PLAINTEXT_PORT, tls: false, processes: [bareHttp] });
  const bareHttps = node('bare-https', bare, ['https', BARE_HOST, String(service.port), body, identityFiles(fixture.certsDir, SERVICE).dir]);
  await add({ name: 'bare-https', host: BARE_HOST, port: service.port, tls: true, processes: [bareHttps] });
}

/** CPU seconds used so far by everything that serves `server`. */
export function serverCpuSeconds(server: ServerUnderTest): number {
  return server.processes.reduce((total, p) => total + p.cpuSeconds(), 0);
}

/** Memory of everything that serves `server`, now. */
export function serverMemory(server: ServerUnderTest): Memory {
  return server.processes.map((p) => p.memory()).reduce(addMemory, NO_MEMORY);
}
