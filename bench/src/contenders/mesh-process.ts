import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine, processTree, startProcess } from '../processes';
import { REPO_MANIFEST } from '../paths';

/** The line `pnpm start` prints once every service answers over mTLS. */
const READY = /Portcullis mesh ready: .* in ([\d.]+) s/;

export interface StartedMesh {
  /** Wall time from running `pnpm start` to its "mesh ready" line, build check included. */
  readonly readySeconds: number;
  /** What the runner itself reports: issuing what is missing and starting the services until each answers. */
  readonly runnerReadySeconds: number;
  /** Each service's process id, by service name. */
  servicePids(names: readonly string[]): Map<string, number>;
  stop(): Promise<void>;
}

/** pnpm as it ran us (`pnpm bench` sets npm_execpath), or the one on the PATH. */
function pnpmCommand(): [string, string[]] {
  const execPath = process.env.npm_execpath;
  if (!execPath) return ['pnpm', []];
  return /\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath]] : [execPath, []];
}

/**
 * `certs/` in a fresh temporary directory. `mesh up` keeps the services' databases and logs beside
 * the certificates (`data/`, `logs/`): here they are private to the run, and go with
 * `rmSync(dirname(certsDir))`. (A bare temporary directory put them in the shared /tmp/data, where
 * every run on the machine, and any running at the same time, wrote into the same databases.)
 */
export function freshCertsDir(): string {
  const certsDir = join(mkdtempSync(join(tmpdir(), 'portcullis-bench-mesh-')), 'certs');
  mkdirSync(certsDir);
  return certsDir;
}

/** Runs the README's first command, `pnpm start`, with its certificates in `certsDir`, and waits for "mesh ready". */
export async function startMesh(certsDir: string, timeoutMs = 60_000): Promise<StartedMesh> {
  const [command, prefix] = pnpmCommand();
  const started = performance.now();
  let onReady: (seconds: number) => void = () => undefined;
  const ready = new Promise<number>((resolve) => (onReady = resolve));
  const running = startProcess(
    'pnpm start',
    command,
    [...prefix, 'start'],
    { ...process.env, PORTCULLIS_MANIFEST: REPO_MANIFEST, PORTCULLIS_CERTS: certsDir, PORTCULLIS_ENV: 'local' },
    (line) => {
      const match = READY.exec(line);
      if (match) onReady(Number(match[1]));
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const failure = (reason: string) => new Error(`pnpm start ${reason}: ${running.output.slice(-3).join(' | ')}`);
  try {
    const runnerReadySeconds = await Promise.race([
      ready,
      running.exited.then((code) => Promise.reject(failure(`exited (code ${code}) before the mesh was ready`))),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(failure(`did not report the mesh ready within ${timeoutMs} ms`)), timeoutMs))),
    ]);
    const readySeconds = (performance.now() - started) / 1000;
    return {
      readySeconds,
      runnerReadySeconds,
      servicePids: (names) => {
        const pids = new Map<string, number>();
        for (const pid of processTree(running.pid)) {
          const name = names.find((n) => commandLine(pid).includes(join('services', n, 'dist', 'main.js')));
          if (name) pids.set(name, pid);
        }
        return pids;
      },
      stop: () => running.stop(),
    };
  } catch (error) {
    await running.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
