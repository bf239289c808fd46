import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadManifest, type Manifest } from '@portcullis/manifest';
import { issueMeshCertificates } from '@portcullis/pki';
import { interleaved } from '../interleave';
import { REPORT_DIR } from '../paths';
import { runMeasured } from '../processes';
import { median, ratio } from '../stats';

type Issuer = 'portcullis' | 'openssl-loop' | 'openssl-parallel';
const ISSUERS: readonly Issuer[] = ['portcullis', 'openssl-loop', 'openssl-parallel'];

export interface AuthoritySize {
  readonly services: number;
  readonly samples: Record<Issuer, number[]>;
  /** Median seconds to issue the CA and every service's key, leaf, chain and bundle. */
  readonly medianSeconds: Record<Issuer, number>;
  /** How many times faster Portcullis is than each openssl way. */
  readonly speedupOverLoop: number;
  readonly speedupOverParallel: number;
}

export interface AuthorityReport {
  readonly rounds: number;
  readonly parallelJobs: number;
  readonly sizes: AuthoritySize[];
}

/** A manifest of `count` services on loopback addresses, like the synthetic one the openssl script issues for. */
function syntheticManifest(dir: string, count: number): Manifest {
  const services = Object.fromEntries(
    Array.from({ length: count }, (_, i) => {
      const n = i + 1;
      const name = `svc-${String(n).padStart(3, '0')}`;
      return [
        name,
        { id: `spiffe://bench.local/service/${name}`, port: 8443, addresses: { local: `127.0.${Math.floor(n / 250) + 1}.${(n % 250) + 1}` }, routes: {} },
      ];
    }),
  );
  const file = join(dir, 'mesh.yaml');
  writeFileSync(
    file,
    stringify({ trustDomain: 'bench.local', certificates: { leafLifetime: '24h', intermediateLifetime: '365d', rootLifetime: '3650d' }, services }),
  );
  return loadManifest(file);
}

/**
 * Scenario 4: the time to issue certificates for a whole mesh of N services
 * from nothing (root, intermediate, then a key and leaf per service), by the
 * Portcullis CA and by the openssl command line, as a loop and with one job
 * per core; interleaved.
 */
export async function authorityScenario(rounds: number, sizes: readonly number[], log: (line: string) => void): Promise<AuthorityReport> {
  const parallelJobs = availableParallelism();
  const results: AuthoritySize[] = [];
  for (const count of sizes) {
    const samples = await interleaved(rounds, ISSUERS, async (issuer, round) => {
      const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-ca-'));
      try {
        const seconds = await timeIssue(issuer, dir, count, parallelJobs);
        log(`CA round ${round + 1}/${rounds}, ${count} services, ${issuer}: ${seconds.toFixed(2)} s`);
        return seconds;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    const medianSeconds = Object.fromEntries(ISSUERS.map((issuer) => [issuer, median(samples[issuer])])) as Record<Issuer, number>;
    results.push({
      services: count,
      samples,
      medianSeconds,
      speedupOverLoop: ratio(medianSeconds['openssl-loop'], medianSeconds.portcullis),
      speedupOverParallel: ratio(medianSeconds['openssl-parallel'], medianSeconds.portcullis),
    });
  }
  return { rounds, parallelJobs, sizes: results };
}

async function timeIssue(issuer: Issuer, dir: string, count: number, parallelJobs: number): Promise<number> {
  if (issuer === 'portcullis') {
    const manifest = syntheticManifest(dir, count);
    const started = performance.now();
    await issueMeshCertificates(manifest, join(dir, 'certs'));
    return (performance.now() - started) / 1000;
  }
  const jobs = issuer === 'openssl-loop' ? 1 : parallelJobs;
  const run = await runMeasured('bash', [join(REPORT_DIR, 'scripts', 'openssl-ca.sh'), join(dir, 'certs'), String(count), String(jobs)]);
  return run.wallSeconds;
}
