import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addressOf } from '@portcullis/manifest';
import { SERVICE_NODE_FLAGS } from '@portcullis/mesh';
import { identityFiles } from '@portcullis/layout';
import { addMemory, NO_MEMORY, pinned, startProcess, waitForPort, type CpuLayout, type Memory, type Running } from '../processes';
import { REPO_ROOT } from '../paths';
import type { Fixture } from './fixture';
import { ROUTE, SERVICE } from './target';
import { nginxCommand } from './nginx';

/** Every way of serving the same route that the benchmark compares. */
export const SERVERS = ['plaintext', 'tls-only', 'portcullis', 'portcullis-v8-defaults', 'sidecar', 'bare-http', 'bare-https'] as const;
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
const V8_DEFAULTS_HOST = '127.0.0.106';

/**
 * Starts every contender at once on the service core: the real inventory
 * service as the mesh runs it (mTLS on its manifest address), the same module
 * in plaintext and with TLS only, nginx terminating mTLS in front of that
 * plaintext app, and the two bare servers. Only the one under load uses the core at any moment.
 */
export async function startServers(fixture: Fixture, layout: CpuLayout): Promise<Servers> {
  // Every Node contender runs with the flags the mesh runs its services with: same runtime, only TLS differs.
  // Every contender reads the same database, the fixture's own: none of them touches the repository's data/.
  const withData = { ...process.env, PORTCULLIS_DATA: join(fixture.dir, 'data') };
  const node = (name: string, script: string, args: string[], env: NodeJS.ProcessEnv = withData, flags = SERVICE_NODE_FLAGS) =>
    startProcess(name, ...pinned(layout.serviceCpus, process.execPath, [...flags, script, ...args]), env);
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
  node: (name: string, script: string, args: string[], env?: NodeJS.ProcessEnv, flags?: readonly string[]) => Running,
  layout: CpuLayout,
  add: (server: ServerUnderTest) => Promise<void>,
): Promise<void> {
  const service = addressOf(fixture.manifest, SERVICE, 'local');
  const serviceMain = join(REPO_ROOT, 'services', SERVICE, 'dist', 'main.js');
  const serviceEnv = (manifestFile: string) => ({
    ...process.env,
    PORTCULLIS_DATA: join(fixture.dir, 'data'),
    PORTCULLIS_MANIFEST: manifestFile,
    PORTCULLIS_CERTS: fixture.certsDir,
    PORTCULLIS_ENV: 'local',
  });
  const portcullis = node('portcullis', serviceMain, [], serviceEnv(fixture.manifest.file));
  await add({ name: 'portcullis', host: service.host, port: service.port, tls: true, processes: [portcullis] });
  // The same service with Node's default flags, on an address of its own: what SERVICE_NODE_FLAGS buy and cost.
  const v8Defaults = node('portcullis-v8-defaults', serviceMain, [], serviceEnv(movedManifest(fixture, service.host, V8_DEFAULTS_HOST)), []);
  await add({ name: 'portcullis-v8-defaults', host: V8_DEFAULTS_HOST, port: service.port, tls: true, processes: [v8Defaults] });

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

/** A copy of the fixture's manifest with the service under test moved from `from` to `to`. */
function movedManifest(fixture: Fixture, from: string, to: string): string {
  const text = readFileSync(fixture.manifest.file, 'utf8');
  const moved = text.replace(`local: ${from}\n`, `local: ${to}\n`);
  if (moved === text) throw new Error(`${fixture.manifest.file} has no "local: ${from}" line to move ${SERVICE} from`);
  const file = join(fixture.dir, 'mesh-moved.yaml');
  writeFileSync(file, moved);
  return file;
}

/** CPU seconds used so far by everything that serves `server`. */
export function serverCpuSeconds(server: ServerUnderTest): number {
  return server.processes.reduce((total, p) => total + p.cpuSeconds(), 0);
}

/** Memory of everything that serves `server`, now. */
export function serverMemory(server: ServerUnderTest): Memory {
  return server.processes.map((p) => p.memory()).reduce(addMemory, NO_MEMORY);
}
