import type { ChainContender, ChainProbe, ChainReport } from '../scenarios/chain';
import type { HiccupReport } from '../scenarios/hiccups';
import { hiccupSentence } from './hiccups';
import { LONG_BUSY_MS, type ProfileSummary } from '../chain/profile-summary';
import { median, ratio } from '../stats';

const n0 = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 10 ? 2 : 1) : '–');
const pct = (share: number) => `${Math.round(share * 100)}%`;
const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
const LABEL = { mtls: 'mTLS chain (the services as they run)', plaintext: 'plaintext chain (the same services, plain HTTP)' } as const;
const NAME = { mtls: 'mTLS', plaintext: 'plaintext' } as const;

/** A process that used at least this share of one core over a step counts as saturated (the scheduler's own noise is a few %). */
export const SATURATED = 0.9;

/** The step that shows a contender's limit: its highest sustained step, and the first one above it that failed. */
function edges(c: ChainContender): { held?: ChainProbe; failed?: ChainProbe } {
  const probes = c.repeats.flatMap((r) => r.probes);
  const held = probes.filter((p) => p.sustained).sort((a, b) => b.rate - a.rate)[0];
  const failed = probes.filter((p) => !p.sustained && p.rate > (held?.rate ?? 0)).sort((a, b) => a.rate - b.rate)[0];
  return { ...(held ? { held } : {}), ...(failed ? { failed } : {}) };
}

function busiest(probe: ChainProbe): [string, number] {
  return Object.entries(probe.cpu).sort(([, a], [, b]) => b - a)[0]!;
}

/** A process's CPU over a step and, after it, how long it was ready to run but waited for a core. */
function cpuCell(probe: ChainProbe | undefined, process: string): string {
  return probe ? `${pct(probe.cpu[process] ?? 0)} (+${pct(probe.runQueue[process] ?? 0)})` : '–';
}

/** What the figures of a contender's limiting steps say, in one or two sentences. */
function limitSentence(c: ChainContender, cores: number): string {
  const { held, failed } = edges(c);
  const at = held ?? failed;
  if (!at) return `The ${NAME[c.kind]} chain ran no search step.`;
  const [name, share] = busiest(at);
  const saturated = Object.entries(at.cpu).filter(([, s]) => s >= SATURATED);
  const machine = at.machineBusy >= SATURATED;
  const parts = [
    `At ${n0(at.rate)} orders/s (its ${held ? 'highest sustained' : 'lowest failed'} step) the busiest process of the ${NAME[c.kind]} chain was the ${name} at ${pct(share)} of a core`,
    saturated.length > 0 ? `, saturated` : `; no process reached ${pct(SATURATED)} of a core`,
    `, and the machine's ${cores} cores were ${pct(at.machineBusy)} busy (${pct(at.othersBusy)} of it other programs)`,
    machine ? ': the machine was out of CPU.' : '.',
    ` Its main thread waited for a core ${pct(at.runQueue[name] ?? 0)} of the step.`,
  ];
  const lag = at.sendLagP99Ms > 5 ? ` The load generator sent late (p99 ${ms(at.sendLagP99Ms)} ms behind its schedule).` : '';
  return parts.join('') + lag;
}

function profileRows(profile: Record<string, ProfileSummary>, probe: ChainProbe): (string | number)[][] {
  return Object.entries(profile).map(([service, p]) => [
    service,
    pct(probe.cpu[service] ?? 0),
    pct(probe.runQueue[service] ?? 0),
    pct(p.busy),
    p.frames
      .slice(0, 5)
      .map((f) => `${pct(f.share)} \`${f.name.replace(/\|/g, '\\|')}\``)
      .join('<br>'),
    p.areas
      .slice(0, 5)
      .map((a) => `${pct(a.share)} ${a.name}`)
      .join(', '),
    p.longBusy
      ? p.longBusy.count === 0
        ? 'none'
        : `${p.longBusy.count}, longest ${n0(p.longBusy.longestMs)} ms: ${p.longBusy.frames
            .slice(0, 3)
            .map((f) => `${pct(f.share)} \`${f.name.replace(/\|/g, '\\|')}\``)
            .join(', ')}`
      : '–',
  ]);
}

export function chainSection(c: ChainReport, flow: readonly string[], cores: number, hiccups?: HiccupReport): string {
  if (!(c.contenders as ChainReport['contenders'] | undefined))
    return '## 3. The whole chain\n\nresults.json holds a chain measured by an older bench; run `pnpm bench` to measure it again.';
  const p = c.plan;
  const kinds = [c.contenders.mtls, c.contenders.plaintext];
  const rows = kinds.map((k) => [
    k.kind === 'mtls' ? `**${LABEL[k.kind]}**` : LABEL[k.kind],
    `**${n0(k.sustained.median)}**`,
    `${n0(k.sustained.min)}–${n0(k.sustained.max)}`,
    k.repeats.map((r) => n0(r.sustainedRate)).join(', '),
    ms(k.fixedLatency.p50Ms),
    ms(k.fixedLatency.p99Ms),
  ]);
  const probeRows = kinds.flatMap((k) =>
    k.repeats.flatMap((r, i) =>
      r.probes.map((s) => [
        NAME[k.kind],
        i + 1,
        n0(s.rate),
        ms(s.p50Ms),
        ms(s.p99Ms),
        s.failed,
        s.sustained ? 'yes' : `no${s.stoppedEarly ? ` (${s.stoppedEarly})` : ''}`,
        ...[...c.services, 'load generator'].map((name) => pct(s.cpu[name] ?? 0)),
        pct(s.machineBusy),
        pct(s.othersBusy),
      ]),
    ),
  );
  const limitRows = kinds.flatMap((k) => {
    const { held, failed } = edges(k);
    return (
      [
        ['highest sustained', held],
        ['first failed above it', failed],
      ] as const
    )
      .filter(([, probe]) => probe)
      .map(([what, probe]) => [
        NAME[k.kind],
        `${what}: ${n0(probe!.rate)}/s`,
        ...[...c.services, 'load generator'].map((name) => cpuCell(probe, name)),
        pct(probe!.machineBusy),
        ms(probe!.sendLagP99Ms),
      ]);
  });
  const profiles = kinds
    .filter((k) => k.profile)
    .map(
      (
        k,
      ) => `**${NAME[k.kind]} chain at ${n0(k.profile!.rate)} orders/s** (${pct(p.profileShare)} of its median sustained rate; p99 ${ms(k.profile!.probe.p99Ms)} ms, machine ${pct(k.profile!.probe.machineBusy)} busy). Self time as a share of each service's busy time:

${table(['Service', 'CPU (1 core = 100%)', 'waiting for a core', 'main thread not idle', 'hottest frames (self time)', 'by area', `busy stretches ≥ ${LONG_BUSY_MS} ms, and what ran in them`], profileRows(k.profile!.services, k.profile!.probe))}

${hottestSentence(k)}`,
    )
    .join('\n\n');
  return `## 3. The whole chain

\`POST /orders\` as the demo client to the ${c.entry}, through the services that serve the order flow in mesh.yaml (${flow.join(', ')}),
on two chains of the same services that run side by side and take turns step by step: the **mTLS chain**, each service's
own \`dist/main.js\` with the flags the mesh gives it, and the **plaintext chain**, the same processes with the bench's
plaintext transport preloaded (node:http and plain TCP instead of TLS; a caller is known by its address, so the route policy
still runs). The load is an open loop in a process of its own: orders go out at a fixed rate whatever the answers do, and
each latency counts from when its order was due (a stall is charged to every order queued behind it). Each step runs
${p.stepSeconds} s after a ${p.leadInSeconds}-s lead-in at the same rate that is not counted; a step is **sustained** when every order was
sent on time and answered 201 and p99 stayed under ${p.p99BudgetMs} ms (a step ends early once more than 1% of its orders are over
budget). Each of ${p.repeats} repeats per chain searches for the highest sustained rate (${p.probesPerRepeat} steps: up or down by ×${p.searchFactor}, then halving the gap),
starting from the median so far; the first from a short climb of ${p.scout.seconds}-s steps.

${table(['Chain', 'sustained orders/s (median)', 'spread', 'each repeat', `p50 ms at ${p.fixedRate}/s`, `p99 ms at ${p.fixedRate}/s`], rows)}

mTLS chain / plaintext chain, median sustained rates: ${c.mtlsOverPlaintext === null ? 'none (the plaintext chain sustained no step)' : `**${c.mtlsOverPlaintext}×**`}.

Every step of the searches, with each process's CPU (1 core = 100%) and the machine's (all ${cores} cores = 100%; "others" is
what programs outside the benchmark used):

${table(['chain', 'repeat', 'rate/s', 'p50 ms', 'p99 ms', 'failed', 'sustained', ...c.services, 'load generator', 'machine', 'others'], probeRows)}

${cpuPerOrderSection(c, cores)}

**What limits it.** ${kinds.map((k) => limitSentence(k, cores)).join(' ')}${hiccups ? ` ${hiccupSentence(hiccups)}` : ''}

${table(['chain', 'step', ...c.services, 'load generator', 'machine', 'send lag p99 ms'], limitRows)}

${profiles || 'No CPU profile was taken in this run.'}

"CPU" is the process's CPU time over the step (user and kernel); "waiting for a core" the time its main thread was ready to
run but not running (/proc/<pid>/schedstat): CPU contention. The profiler samples the main thread's wall time, so "main
thread not idle" also counts time spent inside a synchronous call that waits, such as a SQLite commit waiting for the disk.
A busy stretch is a run of the profile's samples without idle time: while it lasts, the service answers nothing.
In the limit table, each cell is CPU (+ waiting for a core).`;
}

/** Where each profiled service's time went, from its profile: its hottest area and frame. */
function hottestSentence(k: ChainContender): string {
  const entries = Object.entries(k.profile!.services).filter(([, p]) => p.areas.length > 0);
  if (entries.length === 0) return '';
  const busiest = [...entries].sort(([a], [b]) => (k.profile!.probe.cpu[b] ?? 0) - (k.profile!.probe.cpu[a] ?? 0))[0]!;
  return `Hottest area per service: ${entries.map(([name, p]) => `${name} ${p.areas[0]!.name} (${pct(p.areas[0]!.share)})`).join(', ')}. The busiest service by CPU, the ${busiest[0]}, spent most of its self time in \`${busiest[1].frames[0]?.name ?? '–'}\`.`;
}

/**
 * CPU milliseconds each process spent per order, median over a chain's sustained steps (or over
 * all its steps, when none held): it moves much less than a rate with what else runs on
 * the machine, and its sum bounds the rate the machine's cores could carry.
 */
export function cpuPerOrder(k: ChainContender): Record<string, number> {
  const steps = k.repeats.flatMap((r) => r.probes).concat(k.fixed);
  const held = steps.filter((s) => s.sustained);
  const used = held.length > 0 ? held : steps;
  if (used.length === 0) return {};
  const names = Object.keys(used[0]!.cpuMsPerOrder);
  return Object.fromEntries(names.map((name) => [name, median(used.map((s) => s.cpuMsPerOrder[name] ?? 0))]));
}

/** The share of each process's CPU spent in the kernel, median over the same steps as `cpuPerOrder`. */
function kernelShares(k: ChainContender): Record<string, number> {
  const steps = k.repeats.flatMap((r) => r.probes).concat(k.fixed);
  const held = steps.filter((s) => s.sustained);
  const used = (held.length > 0 ? held : steps).filter((s) => s.kernelShare);
  if (used.length === 0) return {};
  return Object.fromEntries(Object.keys(used[0]!.kernelShare).map((name) => [name, median(used.map((s) => s.kernelShare[name] ?? 0))]));
}

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

function cpuPerOrderSection(c: ChainReport, cores: number): string {
  const kinds = [c.contenders.mtls, c.contenders.plaintext];
  const per = kinds.map((k) => cpuPerOrder(k));
  if (per.some((p) => Object.keys(p).length === 0)) return '';
  const names = [...c.services, 'load generator'];
  const kernel = kinds.map((k) => kernelShares(k));
  const rows = kinds.map((k, i) => [
    NAME[k.kind],
    ...names.map((name) => `${(per[i]![name] ?? 0).toFixed(2)}${kernel[i]![name] === undefined ? '' : ` (kernel ${pct(kernel[i]![name]!)})`}`),
    sum(per[i]!).toFixed(2),
    n0((cores * 1000) / sum(per[i]!)),
  ]);
  const [mtls, plain] = per as [Record<string, number>, Record<string, number>];
  const top = Object.entries(mtls).sort(([, a], [, b]) => b - a)[0]!;
  return `**CPU per order** (ms, median over each chain's sustained steps, or all its steps when none held; in brackets the share spent
in the kernel: socket calls, the commits' syncs). The sum bounds what the machine's ${cores} cores could carry if nothing else ran:

${table(['chain', ...names, 'all', `orders/s ${cores} cores could carry`], rows)}

An order cost the mTLS chain ${ratio(sum(mtls), sum(plain))}× the CPU of the plaintext chain (plaintext / mTLS: ${ratio(sum(plain), sum(mtls))}×). The
costliest process per order in the mTLS chain was the ${top[0]} (${top[1].toFixed(2)} ms, ${pct(top[1] / sum(mtls))} of the chain's CPU per order).`;
}

/** The chain's lines of the terminal summary. */
export function chainSummary(c: ChainReport): string {
  if (!(c.contenders as ChainReport['contenders'] | undefined)) return 'chain: measured by an older bench';
  const line = (k: ChainContender) =>
    `chain ${NAME[k.kind]}: ${n0(k.sustained.median)} orders/s sustained (median of ${k.repeats.length}; ${n0(k.sustained.min)}–${n0(k.sustained.max)})`;
  return [line(c.contenders.mtls), line(c.contenders.plaintext), `chain mTLS / plaintext: ${c.mtlsOverPlaintext ?? '–'}×`].join('\n');
}
