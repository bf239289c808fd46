import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { identityFiles } from '@portcullis/layout';
import { findManifestFile, loadManifest, ManifestError, manifestRevision, type Manifest, type Service } from '@portcullis/manifest';
import { AuditLog } from './audit';
import { IdentitySource } from './source';
import { ConnectionAdmission } from './server/admission';
import { svidRules } from './svid';
import { auditToLogger, createLogger, jsonLineToLogger } from './observe/logger';
import { MeshMetrics } from './observe/metrics';

/** The default environment: every service as a local process on its own loopback address. */
export const DEFAULT_ENVIRONMENT = 'local';

/** Everything a service needs to take part in the mesh, resolved once at start-up. */
export interface MeshContext {
  readonly manifest: Manifest;
  readonly environment: string;
  readonly certsDir: string;
  readonly service: Service;
  readonly source: IdentitySource;
  readonly audit: AuditLog;
  /** JSON lines on stdout, with the service's name and SPIFFE ID on each. */
  readonly logger: Logger;
  /** The service's Prometheus registry, served at `GET /metrics`. */
  readonly metrics: MeshMetrics;
  /** Who may start a handshake, and what was shed (mesh.yaml's `limits:`); `GET /healthz` reports it. */
  readonly admission: ConnectionAdmission;
  /** The revision of the manifest as loaded at start-up (`manifestRevision`), reported in `GET /healthz` so drift from the file shows. */
  readonly manifestRevision: string;
}

/** Where things are, from the environment variables every entry point reads the same way. */
export interface MeshLocation {
  readonly manifestFile: string;
  readonly environment: string;
  readonly certsDir: string;
}

export function meshLocation(env: NodeJS.ProcessEnv = process.env): MeshLocation {
  const manifestFile = findManifestFile();
  return {
    manifestFile,
    environment: env.PORTCULLIS_ENV ?? DEFAULT_ENVIRONMENT,
    certsDir: resolve(env.PORTCULLIS_CERTS ?? join(dirname(manifestFile), 'certs')),
  };
}

/** The command that (re)issues certificates, quoted in every certificate error. */
export const ISSUE_COMMAND = 'pnpm mesh certs';

/**
 * Loads the manifest, finds the service in it and loads its identity. Throws a
 * `ManifestError` or an `IdentityError` whose message says what to fix.
 */
export function openMeshContext(serviceName: string, location: MeshLocation = meshLocation()): MeshContext {
  const manifest = loadManifest(location.manifestFile);
  // Read once more for the revision: a file edited in between gives a revision that differs from
  // what was loaded, which the doctor then reports as drift; never the other way round.
  const revision = manifestRevision(readFileSync(manifest.file, 'utf8'));
  const service = manifest.services.get(serviceName);
  if (!service) {
    const problem = { line: undefined, where: 'services', message: `has no service "${serviceName}"; add it under services: or fix the name in main.ts` };
    throw new ManifestError(location.manifestFile, [problem], 'PORTCULLIS_ERR_MANIFEST_NO_SERVICE');
  }
  if (!service.addresses.has(location.environment)) {
    const problem = {
      line: undefined,
      where: `services.${serviceName}.addresses`,
      message: `has no address for environment "${location.environment}" (PORTCULLIS_ENV); use one of ${manifest.environments.join(', ')}`,
    };
    throw new ManifestError(location.manifestFile, [problem], 'PORTCULLIS_ERR_MANIFEST_NO_ADDRESS');
  }
  const source = IdentitySource.open(identityFiles(location.certsDir, serviceName), {
    id: service.id,
    ...svidRules(manifest),
    fix: `${ISSUE_COMMAND} ${serviceName}`,
  });
  const logger = createLogger({ service: serviceName, spiffeId: service.id });
  const metrics = new MeshMetrics(serviceName);
  metrics.identity(source.current());
  source.onChange((identity) => metrics.identity(identity));
  const audit = new AuditLog(auditToLogger(logger));
  // The admission's periodic shedding line goes through the same logger; its counts are a metric too.
  const admission = new ConnectionAdmission({ service: serviceName, limits: manifest.limits, log: jsonLineToLogger(logger) });
  metrics.countShedding(() => ({ ...admission.counters.snapshot() }));
  return {
    manifest,
    environment: location.environment,
    certsDir: location.certsDir,
    service,
    source,
    audit,
    logger,
    metrics,
    admission,
    manifestRevision: revision,
  };
}
