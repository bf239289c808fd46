import type { BenchResults } from '../results';
import type { ChainReport } from '../scenarios/chain';
import { chainSummary } from './chain';
import { hiccupSentence } from './hiccups';
import { checkTargets } from './targets';
import { transportSummary } from './transport';

/** The run's summary for the terminal: each target, what was measured, and whether it was met. */
export function renderSummary(results: BenchResults): string {
  const checks = checkTargets(results);
  const width = Math.max(...checks.map((c) => c.target.length));
  const lines = checks.map((c) => `${c.target.padEnd(width)}  ${c.measured}  ${c.met === undefined ? '(not measured)' : c.met ? 'met' : 'NOT MET'}`);
  const k = results.keepAlive.medians;
  return [
    `keep-alive req/s: plaintext ${Math.round(k.plaintext.requestsPerSecond)}, tls-only ${Math.round(k['tls-only'].requestsPerSecond)}, portcullis ${Math.round(k.portcullis.requestsPerSecond)}, sidecar ${Math.round(k.sidecar.requestsPerSecond)}`,
    ...(results.hiccups ? [hiccupSentence(results.hiccups)] : []),
    chainSummary(results.chain),
    ...(results.transport ? [transportSummary(results.transport)] : []),
    ...lines,
  ].join('\n');
}

/** `--chain-only`'s summary. */
export function renderChainSummary(chain: ChainReport): string {
  return chainSummary(chain);
}
