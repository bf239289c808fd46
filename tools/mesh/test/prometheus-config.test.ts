import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseManifest } from '@portcullis/manifest';
import { addServiceToManifest, firstDifferentLine, localPrometheusConfig, MONITOR_CLIENT, PROMETHEUS_FILE, PROMETHEUS_JOB } from '@portcullis/mesh';
import { manifestText, REPO_ROOT, repoManifest } from '../../../test-support/temp-mesh';

interface ScrapeConfig {
  job_name: string;
  scheme: string;
  metrics_path: string;
  tls_config: { cert_file: string; key_file: string; ca_file: string; server_name: string };
  static_configs: { targets: string[] }[];
  relabel_configs: { target_label: string; replacement: string }[];
}

const checkedIn = () => readFileSync(join(REPO_ROOT, PROMETHEUS_FILE), 'utf8');

describe(`${PROMETHEUS_FILE}, derived from mesh.yaml`, () => {
  it('is what "pnpm mesh generate" writes; a drift names its line', () => {
    const drift = firstDifferentLine(checkedIn(), localPrometheusConfig(repoManifest()));
    // The line, so that a failure says where the file went stale rather than dumping both files.
    expect(drift === undefined ? 'current' : `${PROMETHEUS_FILE}:${drift.number} says "${drift.actual}", mesh.yaml gives "${drift.expected}"`).toBe('current');
  });

  it('scrapes every service of the manifest at its local address, over mTLS as the monitor, naming the service', () => {
    const manifest = repoManifest();
    const configs = (parse(checkedIn()) as { scrape_configs: ScrapeConfig[] }).scrape_configs;
    expect(configs).toHaveLength(manifest.services.size);
    for (const service of manifest.services.values()) {
      const address = service.addresses.get('local')!;
      const config = configs.find((c) => c.static_configs[0]?.targets[0] === `${address.host}:${address.port}`);
      expect(config).toMatchObject({
        scheme: 'https',
        metrics_path: '/metrics',
        tls_config: {
          cert_file: `../../certs/${MONITOR_CLIENT}/tls.crt`,
          key_file: `../../certs/${MONITOR_CLIENT}/tls.key`,
          ca_file: `../../certs/${MONITOR_CLIENT}/ca.crt`,
          server_name: service.name,
        },
      });
      expect(config!.relabel_configs).toEqual(
        expect.arrayContaining([
          { target_label: 'service', replacement: service.name },
          { target_label: 'job', replacement: PROMETHEUS_JOB },
        ]),
      );
    }
  });

  it('follows a manifest with one more service, and the checked-in file then names the line that is stale', () => {
    const manifest = repoManifest();
    const { text } = addServiceToManifest(manifest, manifestText(), { name: 'shipping-prom', calls: [], callers: ['orders'], routes: ['GET /shipments/:id'] });
    const grown = parseManifest(text, manifest.file);
    const drift = firstDifferentLine(checkedIn(), localPrometheusConfig(grown));
    expect(drift).toEqual({ number: checkedIn().split('\n').length, actual: '', expected: '  - job_name: portcullis-shipping-prom' });
  });
});
