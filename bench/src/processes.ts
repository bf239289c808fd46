import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';

/**
 * Where things run. With two or more cores the service under test gets one
 * core of its own, sidecar included, like a pod with a one-CPU limit, and the
 * load generator gets the rest; on one core nothing is pinned.
 */
export interface CpuLayout {
  readonly serviceCpus: string | undefined;
  readonly loadCpus: string | undefined;
  readonly description: string;
}

export function cpuLayout(): CpuLayout {
  const cores = availableParallelism();
  if (cores < 2 || !hasCommand('taskset')) {
    return { serviceCpus: undefined, loadCpus: undefined, description: `${cores} core(s), nothing pinned` };
  }
  const loadCpus = cores === 2 ? '0' : `0-${cores - 2}`;
  return {
    serviceCpus: String(cores - 1),
    loadCpus,
    description: `the service under test (and its sidecar) pinned to CPU ${cores - 1}, the load generator to CPU ${loadCpus}`,
  };
}

/** `command args` prefixed with `taskset -c cpus` when there is something to pin to. */
export function pinned(cpus: string | undefined, command: string, args: readonly string[]): [string, string[]] {
  return cpus === undefined ? [command, [...args]] : ['taskset', ['-c', cpus, command, ...args]];
}

export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ]`, 'sh', command]);
    return true;
  } catch {
    return false;
  }
}

let ticksPerSecond: number | undefined;
/** The kernel's clock ticks per second, in which /proc reports CPU time. */
function ticks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** The fields of /proc/<pid>/stat after the command name (which may itself contain spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // The process has exited.
  }
}

/** CPU seconds (user + system) a live process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  // Fields 14 and 15 of stat(5) are utime and stime; `fields` starts at field 3.
  return fields ? (Number(fields[11]) + Number(fields[12])) / ticks() : 0;
}

/** CPU seconds a live process has spent in the kernel so far (system time: syscalls such as socket writes and fsync). */
export function kernelSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? Number(fields[12]) / ticks() : 0;
}

/**
 * Seconds a live process's main thread has spent ready to run but waiting for a core
 * (/proc/<pid>/schedstat's run-queue delay): CPU contention, as opposed to waiting for I/O or work.
 */
export function runQueueSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9 || 0;
  } catch {
    return 0; // The process has exited.
  }
}

/** Busy and total jiffies of all cores since boot (/proc/stat's first line). */
export function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

let cores: number | undefined;
/** The machine's cores, as /proc/stat counts them. */
export function machineCores(): number {
  cores ??=
    readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((line) => /^cpu\d+ /.test(line)).length || 1;
  return cores;
}

/**
 * A process's memory, three ways. RSS counts every page it has in memory,
 * including the Node binary's own pages, which all Node processes share;
 * `private` is its anonymous memory (heaps, stacks), what one more service
 * costs; PSS shares each shared page out among the processes using it.
 */
export interface Memory {
  readonly rssBytes: number;
  readonly privateBytes: number;
  readonly pssBytes: number;
}

export const NO_MEMORY: Memory = { rssBytes: 0, privateBytes: 0, pssBytes: 0 };

export function memoryOf(pid: number): Memory {
  const kilobytes = (file: string, field: string) => {
    try {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
      return match ? Number(match[1]) * 1024 : 0;
    } catch {
      return 0; // The process has exited.
    }
  };
  return { rssBytes: kilobytes('status', 'VmRSS'), privateBytes: kilobytes('status', 'RssAnon'), pssBytes: kilobytes('smaps_rollup', 'Pss') };
}

export function addMemory(a: Memory, b: Memory): Memory {
  return { rssBytes: a.rssBytes + b.rssBytes, privateBytes: a.privateBytes + b.privateBytes, pssBytes: a.pssBytes + b.pssBytes };
}

export function maxMemory(a: Memory, b: Memory): Memory {
  return { rssBytes: Math.max(a.rssBytes, b.rssBytes), privateBytes: Math.max(a.privateBytes, b.privateBytes), pssBytes: Math.max(a.pssBytes, b.pssBytes) };
}

/** `pid` and every process below it. */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(Number(entry))?.[1]);
    if (!Number.isFinite(parent)) continue;
    parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const visit = (id: number) => {
    tree.push(id);
    for (const child of parents.get(id) ?? []) visit(child);
  };
  visit(pid);
  return tree;
}

/** The command line of a live process, arguments joined by spaces. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

export interface Measured {
  readonly stdout: string;
  readonly stderr: string;
  readonly wallSeconds: number;
  /** CPU seconds the command used, user + system, read from the kernel's accounting of its waited-for children. */
  readonly cpuSeconds: number;
}

/**
 * Runs a command to completion and measures its wall time and CPU time. A
 * shell runs it and then prints its own /proc stat, whose cutime and cstime
 * hold exactly what the waited-for command used.
 */
export function runMeasured(command: string, args: readonly string[]): Promise<Measured> {
  const script = '"$@"; status=$?; printf "\\n@@stat "; cat /proc/$$/stat; exit $status';
  const started = process.hrtime.bigint();
  const child = spawn('sh', ['-c', script, 'sh', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const marker = stdout.lastIndexOf('\n@@stat ');
      const stat = marker === -1 ? '' : stdout.slice(marker + 8);
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 16 and 17 of stat(5): cutime and cstime.
      const cpu = (Number(fields[13]) + Number(fields[14])) / ticks();
      const output = marker === -1 ? stdout : stdout.slice(0, marker);
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited with code ${code}: ${(stderr || output).trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      resolve({ stdout: output, stderr, wallSeconds, cpuSeconds: cpu });
    });
  });
}

/** A long-running process of the benchmark (a server, nginx, the mesh), in its own process group. */
export interface Running {
  readonly pid: number;
  readonly name: string;
  /** The last lines it printed, for an error message when it dies. */
  readonly output: string[];
  /** Resolves when the process exits, with its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** CPU seconds used so far by the process and everything below it. */
  cpuSeconds(): number;
  /** Memory of the process and everything below it, now. */
  memory(): Memory;
  stop(): Promise<void>;
}

/** Every process started and not yet stopped, killed when the benchmark exits for any reason. */
const live = new Set<number>();
let cleanupInstalled = false;
function killLiveOnExit(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', () => {
    for (const pid of live) signalGroup(pid, 'SIGKILL');
  });
  // Ctrl-C and friends end the benchmark through 'exit', so that nothing it started outlives it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(130));
}

/**
 * Starts a long-running process in a process group of its own (so that
 * stopping it stops what it started, like pnpm's children), and calls
 * `onLine` with each line it prints.
 */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  onLine: (line: string) => void = () => undefined,
): Running {
  killLiveOnExit();
  const child: ChildProcess = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      output.splice(0, Math.max(0, output.length - 20));
      onLine(line);
    });
  }
  const pid = child.pid!;
  live.add(pid);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => live.delete(pid));

  return {
    pid,
    name,
    output,
    exited,
    cpuSeconds: () => processTree(pid).reduce((total, id) => total + cpuSeconds(id), 0),
    memory: () => processTree(pid).map(memoryOf).reduce(addMemory, NO_MEMORY),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => signalGroup(pid, 'SIGKILL'), 5_000);
        void exited.then(() => {
          clearTimeout(kill);
          resolve();
        });
        signalGroup(pid, 'SIGTERM');
      }),
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Resolves once something accepts TCP connections on host:port; rejects after `timeoutMs`, with the process's last words. */
export async function waitForPort(host: string, port: number, owner: Running, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${owner.name} did not listen on ${host}:${port} within ${timeoutMs} ms: ${owner.output.slice(-3).join(' | ')}`);
}
