import { execFileSync } from 'node:child_process';
import { hasCommand } from './processes';

/** The outside programs the benchmark drives, and the Debian package each comes from. */
const NEEDED = [
  { command: 'ab', pkg: 'apache2-utils', why: 'the keep-alive load generator (C, presents a client certificate)' },
  { command: 'nginx', pkg: 'nginx-light', why: 'the sidecar proxy' },
  { command: 'openssl', pkg: 'openssl', why: 's_time for handshakes, and the command-line CA' },
  { command: 'taskset', pkg: 'util-linux', why: 'pinning the server and the load generator to their own cores' },
] as const;

/**
 * Installs what is missing from Debian's archive when running as root with
 * apt-get (a fresh CI machine); otherwise says in one sentence what to install.
 */
export function ensurePrerequisites(log: (line: string) => void): void {
  const missing = NEEDED.filter(({ command }) => !hasCommand(command));
  if (missing.length === 0) return;
  const packages = missing.map(({ pkg }) => pkg);
  if (process.getuid?.() !== 0 || !hasCommand('apt-get')) {
    throw new Error(
      `the benchmark needs ${missing.map(({ command, why }) => `${command} (${why})`).join(', ')}; install them with: sudo apt-get install ${packages.join(' ')}`,
    );
  }
  log(`installing ${packages.join(' ')} from Debian's archive`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env });
}
