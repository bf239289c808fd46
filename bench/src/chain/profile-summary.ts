/**
 * What a V8 CPU profile (.cpuprofile) says about where a process spent its time: self time per
 * frame and per area (a package, a Node module, our own libs and services, V8's garbage
 * collector, "(program)": native work outside JavaScript, such as OpenSSL and the kernel calls).
 */
export interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface Hotspot {
  readonly name: string;
  /** Share of the process's busy (non-idle) time spent in it, itself (not in what it calls). */
  readonly share: number;
}

export interface ProfileSummary {
  /** The profile's length. */
  readonly seconds: number;
  /** Share of that time the main thread was not idle. */
  readonly busy: number;
  readonly frames: Hotspot[];
  readonly areas: Hotspot[];
  /**
   * Stretches of at least `LONG_BUSY_MS` in which the main thread never went idle: every request
   * that arrived meanwhile waited at least that long. What the thread did in them, by frame.
   */
  readonly longBusy: { readonly count: number; readonly longestMs: number; readonly totalMs: number; readonly frames: Hotspot[] };
}

/** A busy stretch this long already costs a request a good part of the chain's 50-ms budget. */
export const LONG_BUSY_MS = 20;

/**
 * Native functions (no script URL) by what they do. The profiler samples the main thread's wall
 * time: a synchronous call that waits (SQLite's commit waiting for the disk) counts as busy here.
 */
const NATIVE_AREAS: Record<string, string> = {
  exec: 'node:sqlite (native, commits included)',
  prepare: 'node:sqlite (native, commits included)',
  run: 'node:sqlite (native, commits included)',
  get: 'node:sqlite (native, commits included)',
  all: 'node:sqlite (native, commits included)',
  writeUtf8String: 'socket writes (native)',
  writev: 'socket writes (native)',
  writeBuffer: 'socket writes (native)',
  writeLatin1String: 'socket writes (native)',
};

/** `…/node_modules/.pnpm/undici@8.1.0/node_modules/undici/lib/x.js` -> `undici`; `node:internal/tls/wrap` -> `node:internal/tls/wrap`; our code -> `libs/trust`. */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : (NATIVE_AREAS[functionName] ?? '(native, other)');
  if (url.startsWith('node:')) return url;
  const pkg = /node_modules\/(?!\.pnpm\/)(@[^/]+\/[^/]+|[^/]+)\//.exec(url.replace(/^.*\/node_modules\/\.pnpm\/[^/]+\//, '/'));
  if (pkg) return pkg[1]!;
  const ours = /\/(libs|services|tools|bench)\/([^/]+)\//.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

function shortFrame(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const file = url.replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/^file:\/\/.*?\/(libs|services|tools|bench)\//, '$1/');
  return `${name} ${file.replace(/^.*\/(libs|services|tools|bench)\//, '$1/')}:${lineNumber + 1}`;
}

export function summarizeProfile(profile: CpuProfile, top = 8): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // A sample's time is the gap to the next one: what was running until the profiler looked again.
  for (let i = 0; i < samples.length; i++) self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? 0));
  const frames = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of self) {
    const node = byId.get(id);
    if (!node) continue;
    total += micros;
    if (node.callFrame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const frame = shortFrame(node);
    frames.set(frame, (frames.get(frame) ?? 0) + micros);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + micros);
  }
  const busyMicros = Math.max(1, total - idle);
  const ranked = (map: Map<string, number>, of = busyMicros) =>
    [...map.entries()]
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([name, micros]) => ({ name, share: micros / of }));

  // Runs of consecutive samples that are not idle, in order.
  const isIdle = (id: number) => byId.get(id)?.callFrame.functionName === '(idle)';
  const longFrames = new Map<string, number>();
  let count = 0;
  let longest = 0;
  let longTotal = 0;
  for (let i = 0; i < samples.length;) {
    if (isIdle(samples[i]!)) {
      i++;
      continue;
    }
    let j = i;
    let micros = 0;
    const run = new Map<string, number>();
    for (; j < samples.length && !isIdle(samples[j]!); j++) {
      const node = byId.get(samples[j]!);
      const delta = deltas[j + 1] ?? 0;
      micros += delta;
      if (node) run.set(shortFrame(node), (run.get(shortFrame(node)) ?? 0) + delta);
    }
    if (micros >= LONG_BUSY_MS * 1000) {
      count++;
      longest = Math.max(longest, micros);
      longTotal += micros;
      for (const [frame, m] of run) longFrames.set(frame, (longFrames.get(frame) ?? 0) + m);
    }
    i = j;
  }
  return {
    seconds: (profile.endTime - profile.startTime) / 1e6,
    busy: total === 0 ? 0 : (total - idle) / total,
    frames: ranked(frames),
    areas: ranked(areas),
    longBusy: { count, longestMs: longest / 1000, totalMs: longTotal / 1000, frames: ranked(longFrames, Math.max(1, longTotal)).slice(0, 5) },
  };
}
