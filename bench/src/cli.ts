/**
 * `pnpm bench`: every scenario in one run, on this machine. Prints a summary,
 * and writes results.json, chart.svg and BENCHMARKS.md to bench/ (or to
 * `--out <dir>`). `--smoke` runs each scenario briefly, only to prove that it
 * still runs (CI does this); its figures mean nothing and it writes to a
 * temporary directory unless told otherwise. `--keep-alive-only` runs the keep-alive
 * scenario alone and writes keep-alive.json into `--out` (to compare two builds); `--chain-only`
 * does the same for the chain (chain.json), `--transport-only` for HTTP/2 against pooled
 * HTTP/1.1 between two services (transport.json; with `--smoke`, its smoke plan). `--render` only rewrites the
 * chart and BENCHMARKS.md from the results.json already there (after editing
 * the report's text), measuring nothing. `--soak` runs only the 20-minute soak and adds it to the
 * results.json already there (a full run keeps the last soak's figures).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createFixture } from './contenders/fixture';
import { startServers } from './contenders/servers';
import { describeMachine } from './machine';
import { hiccupScenario } from './scenarios/hiccups';
import { REPORT_DIR } from './paths';
import { FULL_PLAN, SMOKE_PLAN } from './plan';
import { ensurePrerequisites } from './prerequisites';
import { cpuLayout } from './processes';
import { renderChart } from './report/chart';
import { renderChainSummary, renderSummary } from './report/console';
import { renderMarkdown } from './report/markdown';
import type { BenchResults } from './results';
import { authorityScenario } from './scenarios/authority';
import { chainScenario } from './scenarios/chain';
import { handshakeScenario } from './scenarios/handshakes';
import { keepAliveScenario } from './scenarios/keep-alive';
import { nodeFloor } from './scenarios/node-floor';
import { FULL_SOAK, SMOKE_SOAK, soakScenario } from './scenarios/soak';
import { startupScenario } from './scenarios/startup';
import { transportScenario } from './scenarios/transport';
import { transportSummary } from './report/transport';

async function main(args: readonly string[]): Promise<void> {
  const plan = args.includes('--smoke') ? SMOKE_PLAN : FULL_PLAN;
  const outIndex = args.indexOf('--out');
  const outDir =
    outIndex >= 0 ? resolve(args[outIndex + 1] ?? '.') : plan.name === 'smoke' ? mkdtempSync(join(tmpdir(), 'portcullis-bench-smoke-')) : REPORT_DIR;
  if (args.includes('--render')) {
    const file = join(outDir, 'results.json');
    if (!existsSync(file)) throw new Error(`${relative(process.cwd(), file)} does not exist; run "pnpm bench" to measure first`);
    return writeReport(JSON.parse(readFileSync(file, 'utf8')) as BenchResults, outDir);
  }
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const previous = existsSync(join(outDir, 'results.json')) ? (JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as BenchResults) : undefined;
  if (args.includes('--soak')) {
    if (!previous) throw new Error(`${relative(process.cwd(), join(outDir, 'results.json'))} does not exist; run "pnpm bench" first, then "pnpm bench --soak"`);
    const soak = await soakScenario(plan.name === 'smoke' ? SMOKE_SOAK : FULL_SOAK, log);
    const results = { ...previous, soak };
    writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    return writeReport(results, outDir);
  }

  ensurePrerequisites(log);
  const machine = describeMachine();
  const layout = cpuLayout();
  log(`${plan.name} plan on ${machine.cpu}, ${machine.cores} cores; ${layout.description}`);

  if (args.includes('--chain-only')) {
    // The chain alone, its two contenders, repeats and profiles: about six minutes of the full plan.
    const report = await chainScenario(plan.chain, log);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'chain.json'), JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(`${renderChainSummary(report)}\n`);
    return;
  }
  const fixture = await createFixture();
  if (args.includes('--keep-alive-only')) {
    // The one scenario that shows what the per-request path costs, in about three minutes instead of eight.
    try {
      const servers = await startServers(fixture, layout);
      try {
        const report = await keepAliveScenario(fixture, servers, layout, plan.keepAlive, log);
        mkdirSync(outDir, { recursive: true });
        writeFileSync(join(outDir, 'keep-alive.json'), JSON.stringify(report, null, 2) + '\n');
        process.stdout.write(`${JSON.stringify(report.ratios, null, 2)}\n`);
      } finally {
        await servers.stop();
      }
    } finally {
      fixture.remove();
    }
    return;
  }
  if (args.includes('--transport-only')) {
    // HTTP/2 against pooled HTTP/1.1 between two services, in about 30 s.
    try {
      const report = await transportScenario(fixture, layout, plan.transport, log);
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'transport.json'), JSON.stringify(report, null, 2) + '\n');
      process.stdout.write(`${transportSummary(report)}\n`);
      if (report.problems.length > 0) throw new Error(`the transport scenario compared nothing: ${report.problems.join('; ')}`);
    } finally {
      fixture.remove();
    }
    return;
  }
  // First, on a quiet machine: the floor under every latency that follows.
  const hiccups = await hiccupScenario(plan.hiccupSeconds, log);
  let keepAlive, handshakes, transport;
  try {
    const servers = await startServers(fixture, layout);
    try {
      keepAlive = await keepAliveScenario(fixture, servers, layout, plan.keepAlive, log);
      handshakes = await handshakeScenario(fixture, servers, layout, plan.handshakes, log);
    } finally {
      await servers.stop();
    }
    transport = await transportScenario(fixture, layout, plan.transport, log);
  } finally {
    fixture.remove();
  }
  const startup = await startupScenario(plan.startup.rounds, log);
  const chain = await chainScenario(plan.chain, log);
  const authority = await authorityScenario(plan.authority.rounds, plan.authority.sizes, log);
  // The soak takes 20 minutes: a full run keeps the last one's figures; the smoke plan runs a short one.
  const soak = plan.name === 'smoke' ? await soakScenario(SMOKE_SOAK, log) : previous?.soak;

  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    plan,
    durationSeconds: (performance.now() - started) / 1000,
    machine,
    cpuLayout: layout.description,
    hiccups,
    keepAlive,
    handshakes,
    chain,
    authority,
    transport,
    startup,
    nodeFloor: await nodeFloor(),
    ...(soak ? { soak } : {}),
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeReport(results, outDir);
}

/** The chart, BENCHMARKS.md and the summary from one run's results (`--render` redoes them from results.json alone). */
function writeReport(results: BenchResults, outDir: string): void {
  writeFileSync(join(outDir, 'chart.svg'), renderChart(results));
  writeFileSync(join(outDir, 'BENCHMARKS.md'), renderMarkdown(results));
  process.stdout.write(
    `${renderSummary(results)}\n\nWrote BENCHMARKS.md and chart.svg from results.json in ${relative(process.cwd(), outDir) || '.'} (measured in ${Math.round(results.durationSeconds)} s).\n`,
  );
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
