import { readFileSync } from 'node:fs';
import { loadManifest, ManifestError } from '@portcullis/manifest';
import type { MeshLocation } from '@portcullis/trust';
import { authorityFindings } from './authority';
import { certificateFindings } from './certificates';
import { DERIVED_FILES, derivedFileFindings, kubernetesFindings, type DerivedFile } from './derived-files';
import { error, ok, type DoctorContext, type Finding } from './finding';
import type { DoctorReport } from './report';
import type { ProbeIdentity } from './probe';
import { monitorIdentity, runningFindings } from './running';
import { sourceFindings } from './sources';
import { strayFindings } from './strays';

export interface DoctorOptions {
  /** Derived files to hold against the manifest; Kubernetes and Prometheus add theirs. */
  readonly derivedFiles?: readonly DerivedFile[];
  readonly now?: Date;
}

/**
 * `mesh doctor`: holds the files, the certificates on disk and the running
 * services against mesh.yaml, and reports every difference with its fix. It
 * only reads: no file is written, no certificate issued, no process touched.
 */
export async function runDoctor(location: MeshLocation, options: DoctorOptions = {}): Promise<DoctorReport> {
  const started = Date.now();
  const report = (findings: Finding[]): DoctorReport => ({
    environment: location.environment,
    findings,
    errors: findings.filter((f) => f.level === 'error').length,
    warnings: findings.filter((f) => f.level === 'warning').length,
    tookMs: Date.now() - started,
  });
  let context: DoctorContext;
  try {
    const manifest = loadManifest(location.manifestFile);
    context = {
      manifest,
      manifestText: readFileSync(manifest.file, 'utf8'),
      certsDir: location.certsDir,
      environment: location.environment,
      now: options.now ?? new Date(),
    };
  } catch (failure) {
    // Nothing else can be checked against a manifest that does not load.
    if (failure instanceof ManifestError) return report(failure.message.split('\n').map((line) => error('files', 'mesh.yaml', `${line}`)));
    throw failure;
  }
  const files: Finding[] = [ok('files', 'mesh.yaml', `${location.manifestFile} is valid`)];
  files.push(
    ...derivedFileFindings(context, options.derivedFiles ?? DERIVED_FILES),
    ...kubernetesFindings(context),
    ...sourceFindings(context),
    ...authorityFindings(context),
  );
  const certificates = certificateFindings(context);

  let identity: ProbeIdentity;
  try {
    identity = monitorIdentity(context);
  } catch (failure) {
    return report([
      ...files,
      ...certificates,
      error('monitor', 'identity', `the monitor's certificate cannot be read (${(failure as Error).message}); issue it with "pnpm mesh certs monitor"`),
    ]);
  }
  // The running mesh is probed in parallel; each probe has its own short timeouts.
  const [running, strays] = await Promise.all([
    runningFindings(context, identity),
    context.environment === 'local' ? strayFindings(context, identity) : Promise.resolve([]),
  ]);
  return report([...files, ...certificates, ...running, ...strays]);
}
