import { isIP } from 'node:net';
import type { Manifest } from '@portcullis/manifest';
import { MONITOR_CLIENT } from './readiness';

/** The local environment's scrape configuration, beside the manifest. */
export const PROMETHEUS_FILE = 'deploy/prometheus/prometheus.yml';
/** The `job` label every Portcullis target ends up with, whichever scrape config found it. */
export const PROMETHEUS_JOB = 'portcullis';

export interface PrometheusConfigOptions {
  /** The manifest's environment whose addresses Prometheus dials (`local`: the one Prometheus on this machine). */
  readonly environment: string;
  /** The certificates folder, relative to the configuration file: Prometheus resolves file paths against the config's directory. */
  readonly certsPath: string;
  /** How often to scrape (Prometheus duration, e.g. `15s`). */
  readonly scrapeInterval?: string;
}

/**
 * Prometheus' configuration for scraping every service of the manifest over mTLS as the
 * `monitor` client. One scrape config per service, because `tls_config.server_name` is per
 * scrape config and every leaf names only its own service as a DNS SAN; relabeling then gives
 * every target the same `job` and its service's name in `service`. The service's own series
 * already carry `service` with the same value: `honor_labels` keeps them as they are instead of
 * renaming them to `exported_service`.
 */
export function prometheusConfig(manifest: Manifest, options: PrometheusConfigOptions): string {
  if (!manifest.clients.has(MONITOR_CLIENT)) throw new Error(`${manifest.file} has no "${MONITOR_CLIENT}" client; Prometheus scrapes as that identity`);
  const certs = `${options.certsPath.replace(/\/+$/, '')}/${MONITOR_CLIENT}`;
  const lines = [
    '# Derived from mesh.yaml by "pnpm mesh generate"; edits here are overwritten and "pnpm mesh doctor" reports drift.',
    `# Scrapes GET /metrics of every service over mutual TLS as the "${MONITOR_CLIENT}" client (${options.environment} addresses).`,
    '# File paths are relative to this file (Prometheus resolves them against its directory).',
    'global:',
    `  scrape_interval: ${options.scrapeInterval ?? '15s'}`,
    'scrape_configs:',
  ];
  for (const service of manifest.services.values()) {
    const address = service.addresses.get(options.environment);
    if (!address) throw new Error(`${manifest.file} gives ${service.name} no ${options.environment} address`);
    lines.push(
      `  - job_name: ${PROMETHEUS_JOB}-${service.name}`,
      '    scheme: https',
      '    metrics_path: /metrics',
      '    honor_labels: true',
      '    tls_config:',
      `      cert_file: ${certs}/tls.crt`,
      `      key_file: ${certs}/tls.key`,
      `      ca_file: ${certs}/ca.crt`,
      `      server_name: ${service.name}`,
      '    static_configs:',
      `      - targets: ['${isIP(address.host) === 6 ? `[${address.host}]` : address.host}:${address.port}']`,
      '    relabel_configs:',
      '      - target_label: service',
      `        replacement: ${service.name}`,
      '      - target_label: job',
      `        replacement: ${PROMETHEUS_JOB}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The checked-in local configuration: the certificates are `certs/` beside the manifest, two folders up. */
export function localPrometheusConfig(manifest: Manifest): string {
  return prometheusConfig(manifest, { environment: 'local', certsPath: '../../certs' });
}
