import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Manifest } from '@portcullis/manifest';
import { composeProblems } from '../compose-check';
import { generateCompose } from '../compose-generate';
import { firstDifferentLine } from '../first-different-line';
import { COMPOSE_FILE, README_FILE } from '../generate';
import { DEPLOY_DIR, GENERATE_COMMAND } from '../kubernetes/environment';
import { kubernetesProblems } from '../kubernetes/files';
import { localPrometheusConfig, PROMETHEUS_FILE } from '../prometheus-config';
import { readmeWithTables } from '../tables';
import { error, ok, type DoctorContext, type Finding } from './finding';

/**
 * A file derived from mesh.yaml: how to derive it from its current text, and
 * any checks beyond "is it what the generator writes". Kubernetes manifests
 * and the Prometheus configuration plug in here as they land: one entry each.
 */
export interface DerivedFile {
  /** Relative to the manifest's directory. */
  readonly name: string;
  /** The file as the generator would write it, given its current text. */
  derive(manifest: Manifest, text: string, file: string): string;
  /** Problems beyond a textual difference, each one sentence (e.g. the compose check's port rules). */
  problems?(manifest: Manifest, text: string): readonly string[];
  /** The command that rewrites it. */
  readonly fix: string;
}

export const DERIVED_FILES: readonly DerivedFile[] = [
  { name: COMPOSE_FILE, derive: generateCompose, problems: composeProblems, fix: 'pnpm mesh generate' },
  { name: README_FILE, derive: readmeWithTables, fix: 'pnpm mesh generate' },
  { name: PROMETHEUS_FILE, derive: localPrometheusConfig, fix: 'pnpm mesh generate' },
];

/** Every derived file beside the manifest is what the manifest says, naming the first line that is not. */
export function derivedFileFindings(context: DoctorContext, files: readonly DerivedFile[] = DERIVED_FILES): Finding[] {
  const root = dirname(context.manifest.file);
  const manifestName = basename(context.manifest.file);
  return files.flatMap((derived): Finding[] => {
    const file = join(root, derived.name);
    // A copy of the mesh need not carry every derived file (a deployment has no README).
    if (!existsSync(file)) return [ok('files', derived.name, `${derived.name}: not present beside ${manifestName}, nothing to check`)];
    const text = readFileSync(file, 'utf8');
    let expected: string;
    try {
      expected = derived.derive(context.manifest, text, derived.name);
    } catch (failure) {
      return [error('files', derived.name, `${(failure as Error).message}`)];
    }
    const findings: Finding[] = [];
    const line = firstDifferentLine(text, expected);
    if (line !== undefined) {
      findings.push(
        error(
          'files',
          derived.name,
          `${derived.name}:${line.number} differs from ${manifestName}: it says "${line.actual.trim()}", ${manifestName} gives "${line.expected.trim()}"; run "${derived.fix}"`,
        ),
      );
    }
    for (const problem of derived.problems?.(context.manifest, text) ?? []) {
      findings.push(error('files', derived.name, `${derived.name}${line ? `:${line.number}` : ''}: ${problem}; run "${derived.fix}"`));
    }
    return findings.length > 0 ? findings : [ok('files', derived.name, `${derived.name} is current with ${manifestName}`)];
  });
}

/**
 * deploy/kubernetes, a folder of files derived from mesh.yaml (a file per service, and the
 * overlays): each stale or missing file in one sentence with the line that differs.
 */
export function kubernetesFindings(context: DoctorContext): Finding[] {
  if (!existsSync(join(dirname(context.manifest.file), DEPLOY_DIR))) {
    return [ok('files', DEPLOY_DIR, `${DEPLOY_DIR}: not present beside ${basename(context.manifest.file)}, nothing to check`)];
  }
  const problems = kubernetesProblems(context.manifest);
  if (problems.length === 0)
    return [ok('files', DEPLOY_DIR, `${DEPLOY_DIR} is current with ${basename(context.manifest.file)} ("${GENERATE_COMMAND}" writes it)`)];
  return problems.map((problem) => error('files', DEPLOY_DIR, problem));
}
