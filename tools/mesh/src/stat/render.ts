import { formatDuration } from '../format';
import type { EdgeStat, ServiceStat, StatReport, Traffic } from './compute';

/** The report as two aligned tables, per service then per edge, for a terminal. */
export function renderStat(report: StatReport): string {
  const services = table(
    ['SERVICE', 'RPS', 'SUCCESS', 'P50', 'P99', 'REFUSED', 'CERT LEFT'],
    report.services.map((row) =>
      row.error !== undefined ? [row.service, `not answering: ${row.error}`] : [row.service, ...trafficCells(row.traffic!), refusals(row), certificate(row)],
    ),
  );
  const edges = table(
    ['EDGE', 'RPS', 'SUCCESS', 'P50', 'P99'],
    report.edges.map((edge: EdgeStat) => [`${edge.source} -> ${edge.target}`, ...trafficCells(edge)]),
  );
  return `over ${report.intervalSeconds.toFixed(1)} s\n\n${services}\n\n${edges}`;
}

function trafficCells(traffic: Traffic): string[] {
  return [
    traffic.perSecond.toFixed(1),
    traffic.successRate === null ? '-' : `${(traffic.successRate * 100).toFixed(2)}%`,
    latency(traffic.p50),
    latency(traffic.p99),
  ];
}

function latency(seconds: number | null): string {
  if (seconds === null) return '-';
  return seconds < 1 ? `${(seconds * 1000).toFixed(1)}ms` : `${seconds.toFixed(2)}s`;
}

function refusals(row: ServiceStat): string {
  const tls = Object.entries(row.refusals?.tls ?? {}).map(([reason, count]) => `${reason} ${count}`);
  const denied = row.refusals?.denied ? [`denied ${row.refusals.denied}`] : [];
  return [...tls, ...denied].join(', ') || '0';
}

function certificate(row: ServiceStat): string {
  const left = row.certificateSecondsLeft;
  if (left === null || left === undefined) return '-';
  return left <= 0 ? `expired ${formatDuration(-left * 1000)} ago` : formatDuration(left * 1000);
}

/** Left-aligned columns two spaces apart; a short row (a service that did not answer) just ends early. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.filter((row) => row.length === header.length).map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
