import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Thin wrappers over the docker CLI for what testcontainers does not cover: inspect, restart, exec, one-off runs. */

export function inspect(container: string, format: string): string {
  return execFileSync('docker', ['inspect', '-f', format, container], { encoding: 'utf8' }).trim();
}

/**
 * The container's main process as this machine sees it, none while it is not running. A signal
 * sent there is the kernel's, as an OOM kill is: a SIGKILL from here is a crash to Docker, whose
 * restart policy brings the container back, where `docker kill` counts as an operator's stop.
 */
export function hostPid(container: string): number | undefined {
  return Number(inspect(container, '{{.State.Pid}}')) || undefined;
}

export function restart(container: string): void {
  execFileSync('docker', ['restart', container], { stdio: 'ignore' });
}

export async function waitUntilHealthy(container: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (inspect(container, '{{.State.Health.Status}}') !== 'healthy') {
    if (Date.now() > deadline) throw new Error(`${container} did not become healthy within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function exec(container: string, command: readonly string[]): string {
  return execFileSync('docker', ['exec', container, ...command], { encoding: 'utf8' });
}

/** `docker exec`, handing each line the command writes to stderr to `onStderr` as it comes; resolves with how it ended and its stdout. */
export function execFollowing(
  container: string,
  command: readonly string[],
  onStderr: (line: string) => void,
): Promise<{ code: number | null; stdout: string }> {
  const child = spawn('docker', ['exec', container, ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  createInterface({ input: child.stderr }).on('line', onStderr);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8') }));
  });
}

/** Runs an image once with the compose file's hardening and returns how it ended. */
export function runOnce(image: string, args: readonly string[]): { code: number | null; stderr: string } {
  const run = spawnSync('docker', ['run', '--rm', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true', ...args, image], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, stderr: run.stderr.trim() };
}
