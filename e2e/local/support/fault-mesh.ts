import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueMeshCertificates } from '@portcullis/pki';
import { startLocalMesh } from '@portcullis/mesh';
import type { Manifest } from '@portcullis/manifest';
import type { LedgerReader } from '../../../test-support/order-ledger';
import { relocatedManifest, tempDir } from '../../../test-support/temp-mesh';
import type { FaultMeshDriver } from '../../support/order-fault-suite';

/** Where the local mesh's services keep their state, and how the auditor reads it. */
export interface SuiteDatabase {
  readonly name: string;
  /** Runs before the mesh starts, with its certificates issued: returns the services' extra environment and the ledger's reader. */
  setUp(work: string, certsDir: string, manifest: Manifest): Promise<{ env: Record<string, string>; ledger: LedgerReader }>;
  tearDown(): void | Promise<void>;
}

/**
 * The fault suite's mesh as local processes under the runner (which starts a killed service
 * again), on loopback addresses of its own (`prefix`.x), with certificates issued for it.
 */
export function localFaultMesh(prefix: string, database: SuiteDatabase): FaultMeshDriver {
  return {
    name: `local processes, ${database.name}`,
    async start(env, onOutput) {
      const work = tempDir('order-faults');
      const stopped = async () => {
        await database.tearDown();
        work.remove();
      };
      try {
        const manifestFile = join(work.dir, 'mesh.yaml');
        const relocated = relocatedManifest(prefix);
        writeFileSync(manifestFile, relocated.text);
        const certsDir = join(work.dir, 'certs');
        await issueMeshCertificates(relocated.manifest(), certsDir);
        const { env: databaseEnv, ledger } = await database.setUp(work.dir, certsDir, relocated.manifest());
        const mesh = await startLocalMesh({ manifestFile, certsDir, dataDir: join(work.dir, 'data'), env: { ...env, ...databaseEnv }, onOutput });
        return {
          manifest: mesh.manifest,
          environment: mesh.environment,
          certsDir,
          ledger,
          pid: (service) => mesh.pids().get(service),
          stop: async () => {
            await mesh.stop();
            await stopped();
          },
        };
      } catch (error) {
        await stopped();
        throw error;
      }
    },
  };
}
