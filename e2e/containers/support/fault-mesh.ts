import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LedgerReader } from '../../../test-support/order-ledger';
import { tempDir, withEnvironment } from '../../../test-support/temp-mesh';
import type { FaultMeshDriver } from '../../support/order-fault-suite';
import { startTestMesh } from './compose';
import { hostPid } from './docker';

/** The manifest environment in which this machine reaches the containers: the loopback ports the test override publishes. */
const PUBLISHED = 'published';

/** Runs one query on a service's SQLite file (where its own PORTCULLIS_DATA says), read-only, printing the rows as JSON. */
const QUERY = [
  "const { DatabaseSync } = require('node:sqlite');",
  'const [service, sql] = process.argv.slice(1);',
  "const db = new DatabaseSync(require('node:path').join(process.env.PORTCULLIS_DATA, service, service + '.db'), { readOnly: true });",
  'try { process.stdout.write(JSON.stringify(db.prepare(sql).all())); } finally { db.close(); }',
].join(' ');

/**
 * The fault suite's mesh in containers: docker-compose.yml as compose project `project`, with
 * fault injection on through the test's own override (never in the compose file users run).
 * The auditor reads each service's database inside that service's container (`docker exec`),
 * beside the running service, as it reads the files beside local processes. A signal goes to
 * the container's main process as this machine sees it (`hostPid`), so that a SIGKILL is a crash
 * that the compose file's restart policy answers.
 */
export function composeFaultMesh(project: string): FaultMeshDriver {
  return {
    name: 'containers, SQLite',
    async start(env, onOutput) {
      const work = tempDir('order-faults-containers');
      const mesh = await startTestMesh(project, { workdir: work.dir, env, onOutput }).catch((error: unknown) => {
        work.remove();
        throw error;
      });
      const container = (service: string) => mesh.containers.get(service)!;
      const ledger: LedgerReader = async <T>(service: string, sql: string) => {
        const { stdout } = await promisify(execFile)('docker', ['exec', container(service), 'node', '-e', QUERY, service, sql], { encoding: 'utf8' });
        return JSON.parse(stdout) as T[];
      };
      return {
        manifest: withEnvironment(PUBLISHED, (service) => `127.0.0.1:${mesh.ports.get(service)}`),
        environment: PUBLISHED,
        certsDir: mesh.certsDir,
        ledger,
        pid: (service) => hostPid(container(service)),
        stop: async () => {
          await mesh.down();
          work.remove();
        },
      };
    },
  };
}
