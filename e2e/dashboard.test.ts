import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { curl } from '../test-support/outside-clients';
import { REPO_ROOT } from '../test-support/temp-mesh';
import { meshUnderTest } from './support/mesh-under-test';

const DASHBOARD = 'deploy/grafana/portcullis.json';
const mesh = meshUnderTest();

interface Dashboard {
  readonly templating: { readonly list: readonly { readonly name: string; readonly type: string; readonly query?: unknown; readonly datasource?: unknown }[] };
  readonly panels: readonly {
    readonly title: string;
    readonly datasource: { readonly uid: string };
    readonly targets: readonly { readonly expr: string; readonly datasource: { readonly uid: string } }[];
  }[];
}

const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, DASHBOARD), 'utf8')) as Dashboard;

/** Every PromQL expression of the dashboard: the panels' queries and the variables'. */
function queries(): string[] {
  const variables = dashboard.templating.list.flatMap((variable) => {
    const query = variable.query;
    if (variable.type !== 'query') return [];
    return [typeof query === 'string' ? query : String((query as { query: string }).query)];
  });
  return [...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)), ...variables];
}

/**
 * The metric names a query uses: identifiers right before a selector `{` or a range `[`, and
 * every argument of label_values(). A function is followed by `(`, a label by `=`, `!` or `~`,
 * and keywords such as `by` by `(`: none of those is taken for a metric.
 */
function metricNames(expr: string): string[] {
  const selected = [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((match) => match[1]!);
  const bare = [...expr.matchAll(/label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/g)].map((match) => match[1]!);
  return [...selected, ...bare];
}

/** The names a service's exposition serves: each family, and a histogram's `_bucket`, `_sum` and `_count`. */
function servedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

/**
 * The Grafana dashboard reads the metrics the services really serve: a metric renamed in the
 * trust library (or a typo in a panel) breaks this test rather than a panel that silently
 * shows "No data".
 */
describe(`the Grafana dashboard (${DASHBOARD})`, () => {
  it('queries only metrics every service serves at GET /metrics', () => {
    const used = [...new Set(queries().flatMap(metricNames))].sort();
    // The areas the dashboard is for: per-edge traffic and latency, refusals, certificates, shedding.
    expect(used).toEqual(
      expect.arrayContaining([
        'portcullis_server_requests_total',
        'portcullis_server_request_duration_seconds_bucket',
        'portcullis_tls_refusals_total',
        'portcullis_authorization_denials_total',
        'portcullis_certificate_expiry_timestamp_seconds',
        'portcullis_connections_shed_total',
      ]),
    );
    for (const service of mesh.manifest.services.keys()) {
      const endpoint = mesh.endpoint(service);
      const files = mesh.identity('monitor');
      const scrape = curl(`${endpoint.origin}/metrics`, { cacert: files.bundle, cert: files.cert, key: files.key }, endpoint.curlArgs);
      expect(scrape.status).toBe(200);
      const served = servedNames(scrape.body);
      expect({ service, missing: used.filter((name) => !served.has(name)) }).toEqual({ service, missing: [] });
    }
  });

  it('takes its Prometheus from a datasource variable, in every panel and query', () => {
    expect(dashboard.templating.list).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })]),
    );
    for (const panel of dashboard.panels) {
      expect({ panel: panel.title, uid: panel.datasource.uid, targets: panel.targets.map((target) => target.datasource.uid) }).toEqual({
        panel: panel.title,
        uid: '${datasource}',
        targets: panel.targets.map(() => '${datasource}'),
      });
    }
  });
});
