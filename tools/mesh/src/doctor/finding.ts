import type { Manifest } from '@portcullis/manifest';

export type Level = 'ok' | 'warning' | 'error';

/**
 * One line of the doctor's report. `group` is a service or workload name, or
 * `files`, `certificates`, `ca` for what belongs to no one service; the
 * message is one sentence and, unless the level is `ok`, says how to fix it.
 */
export interface Finding {
  readonly group: string;
  readonly level: Level;
  readonly check: string;
  readonly message: string;
}

/** What every group of checks gets: the manifest as on disk, where things are, and this machine's clock. */
export interface DoctorContext {
  readonly manifest: Manifest;
  /** The manifest's text as read for this run, for its revision and line numbers. */
  readonly manifestText: string;
  readonly certsDir: string;
  readonly environment: string;
  readonly now: Date;
}

export const ok = (group: string, check: string, message: string): Finding => ({ group, level: 'ok', check, message });
export const warning = (group: string, check: string, message: string): Finding => ({ group, level: 'warning', check, message });
export const error = (group: string, check: string, message: string): Finding => ({ group, level: 'error', check, message });

/** The 1-based line of the first line of `text` matching `pattern` (after `from`, if given), or undefined. */
export function lineMatching(text: string, pattern: RegExp, from = 0): number | undefined {
  const lines = text.split('\n');
  for (let index = from; index < lines.length; index++) if (pattern.test(lines[index]!)) return index + 1;
  return undefined;
}

/** Where mesh.yaml places a service's address for an environment: `mesh.yaml:42`, or the file alone. */
export function manifestLineOf(context: Pick<DoctorContext, 'manifestText'>, file: string, service: string, environment: string): string {
  const start = lineMatching(context.manifestText, new RegExp(`^\\s+${service}:\\s*$`));
  const line = start === undefined ? undefined : lineMatching(context.manifestText, new RegExp(`^\\s+${environment}:`), start);
  return line === undefined ? file : `${file}:${line}`;
}
