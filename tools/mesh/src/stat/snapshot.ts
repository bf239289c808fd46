import type { MeshClient } from '@portcullis/trust';

/** One sample of prom-client's `getMetricsAsJSON()`, what `GET /metrics` answers to `accept: application/json`. */
export interface MetricSample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  /** Set on histogram samples: `<name>_bucket`, `<name>_sum`, `<name>_count`. */
  readonly metricName?: string;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: string;
  readonly values: readonly MetricSample[];
}

/** One service's metrics as read at `at` (ms since the epoch), or why they could not be read. */
export type ServiceScrape = { readonly at: number; readonly metrics: readonly MetricFamily[] } | { readonly at: number; readonly error: string };

/** Every service's metrics, read at about the same moment. */
export type Snapshot = ReadonlyMap<string, ServiceScrape>;

/**
 * Reads every service's `GET /metrics` as JSON, all at once. A service that does not answer,
 * refuses or answers something else is recorded with the reason: `mesh stat` shows it as a row,
 * it does not stop.
 */
export async function takeSnapshot(client: MeshClient, services: readonly string[], now: () => number = Date.now): Promise<Snapshot> {
  const scrapes = await Promise.all(
    services.map(async (service): Promise<[string, ServiceScrape]> => {
      try {
        const response = await client.call<MetricFamily[]>(service, 'GET', '/metrics', undefined, { headers: { accept: 'application/json' } });
        const at = now();
        if (response.status !== 200) return [service, { at, error: `GET /metrics answered ${response.status}` }];
        if (!Array.isArray(response.body)) return [service, { at, error: 'GET /metrics did not answer JSON' }];
        return [service, { at, metrics: response.body }];
      } catch (error) {
        return [service, { at: now(), error: error instanceof Error ? error.message : String(error) }];
      }
    }),
  );
  return new Map(scrapes);
}
