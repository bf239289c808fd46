import type { Finding, Level } from './finding';

export interface DoctorReport {
  readonly environment: string;
  readonly findings: readonly Finding[];
  readonly errors: number;
  readonly warnings: number;
  readonly tookMs: number;
}

const MARK: Record<Level, string> = { ok: 'ok     ', warning: 'warning', error: 'error  ' };

/** One line per check, grouped (files first, then each workload in manifest order), then a summary line. */
export function formatReport(report: DoctorReport): string {
  const groups = new Map<string, Finding[]>();
  for (const finding of report.findings) groups.set(finding.group, [...(groups.get(finding.group) ?? []), finding]);
  const lines: string[] = [];
  for (const [group, findings] of groups) {
    lines.push(group);
    for (const finding of findings) lines.push(`  ${MARK[finding.level]} ${finding.check}: ${finding.message}`);
  }
  lines.push(
    `${report.errors} error${report.errors === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'} (${report.environment}, checked in ${report.tookMs} ms)`,
  );
  return lines.join('\n');
}

/** 0 unless something is an error (with `strict`, a warning too). */
export function exitCode(report: DoctorReport, strict: boolean): number {
  return report.errors > 0 || (strict && report.warnings > 0) ? 1 : 0;
}
