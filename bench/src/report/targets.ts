import type { BenchResults } from '../results';
import type { ChainReport } from '../scenarios/chain';

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** undefined when this run cannot tell (the smoke plan issues too few certificates, say). */
  readonly met: boolean | undefined;
}

const mb = (bytes: number) => bytes / 2 ** 20;

/** The issue's targets, each against what this run measured. */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const { keepAlive, handshakes, authority, startup, chain } = results;
  const hundred = authority.sizes.find((size) => size.services === 100);
  const [peakName, peakFootprint] = Object.entries(chain.footprint).sort(([, a], [, b]) => b.peakUnderLoad.rssBytes - a.peakUnderLoad.rssBytes)[0]!;
  const peak = { name: peakName, memory: peakFootprint.peakUnderLoad };
  const byIdle = Object.values(chain.footprint).sort((a, b) => a.idle.rssBytes - b.idle.rssBytes);
  const [idlest, largestIdle] = [byIdle[0]!, byIdle[byIdle.length - 1]!];
  // Results written before the chain had two contenders have no `contenders`.
  const mtlsChain = (chain.contenders as ChainReport['contenders'] | undefined)?.mtls.sustained;
  return [
    {
      target: 'mTLS keep-alive throughput ≥ 0.9× plaintext',
      measured: `${keepAlive.ratios.portcullisOverPlaintext}×`,
      met: keepAlive.ratios.portcullisOverPlaintext >= 0.9,
    },
    {
      target: 'identity checks close to free: keep-alive ≥ 0.97× the TLS-only contender',
      measured: `${keepAlive.ratios.portcullisOverTlsOnly}×`,
      met: keepAlive.ratios.portcullisOverTlsOnly >= 0.97,
    },
    {
      target: 'mTLS keep-alive throughput ≥ 1.2× the nginx sidecar',
      measured: `${keepAlive.ratios.portcullisOverSidecar}×`,
      met: keepAlive.ratios.portcullisOverSidecar >= 1.2,
    },
    {
      target: 'full-handshake rate ≥ 0.7× the sidecar',
      measured: `${handshakes.ratios.newOverSidecar}× measured, ${handshakes.ratios.newCapacityOverSidecar}× per server core`,
      met: handshakes.ratios.newOverSidecar >= 0.7,
    },
    {
      target: 'chain ≥ 1,000 orders/s with p99 < 50 ms (median of repeats)',
      measured: mtlsChain
        ? `${Math.round(mtlsChain.median)} orders/s (${Math.round(mtlsChain.min)}–${Math.round(mtlsChain.max)})`
        : 'not measured (older results)',
      met: mtlsChain ? mtlsChain.median >= 1000 : undefined,
    },
    {
      target: 'mTLS chain ≥ 0.8× the plaintext chain',
      measured: mtlsChain
        ? chain.mtlsOverPlaintext === null
          ? 'no ratio: the plaintext chain sustained no step'
          : `${chain.mtlsOverPlaintext}×`
        : 'not measured (older results)',
      met: mtlsChain && chain.mtlsOverPlaintext !== null ? chain.mtlsOverPlaintext >= 0.8 : undefined,
    },
    {
      target: 'CA faster than the openssl command line for 100 services',
      measured: hundred
        ? `${hundred.speedupOverLoop}× a loop, ${hundred.speedupOverParallel}× ${authority.parallelJobs} parallel jobs`
        : 'not run (smoke plan)',
      met: hundred ? hundred.speedupOverLoop > 1 : undefined,
    },
    {
      target: 'local mesh ready in < 5 s after `pnpm start`',
      measured: `${startup.medians.warm.readySeconds.toFixed(1)} s with certificates, ${startup.medians.cold.readySeconds.toFixed(1)} s issuing them first`,
      met: Math.max(startup.medians.warm.readySeconds, startup.medians.cold.readySeconds) < 5,
    },
    {
      target: '< 100 MB resident per service',
      // The peak under load is sampled during sustained mTLS steps only: none held, none sampled.
      measured: `${mb(idlest.idle.rssBytes).toFixed(0)}–${mb(largestIdle.idle.rssBytes).toFixed(0)} MB RSS idle; ${
        peak.memory.rssBytes === 0
          ? 'under load not sampled (no mTLS chain step held)'
          : `under load at most ${mb(peak.memory.rssBytes).toFixed(0)} MB (${peak.name}), of which ${mb(peak.memory.privateBytes).toFixed(0)} MB its own (PSS ${mb(peak.memory.pssBytes).toFixed(0)} MB)`
      }`,
      met: mb(largestIdle.idle.rssBytes) < 100 && (peak.memory.rssBytes === 0 || mb(peak.memory.rssBytes) < 100),
    },
  ];
}
