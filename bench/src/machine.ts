import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

/** What the figures were measured on: without it, a benchmark number means nothing. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  /** The OpenSSL inside Node, which Portcullis uses. */
  readonly nodeOpenssl: string;
  /** The system OpenSSL, which nginx, ab and the openssl command line use. */
  readonly systemOpenssl: string;
  readonly nginx: string;
  readonly ab: string;
  readonly virtualized: boolean;
}

function version(command: string, args: string[], pattern: RegExp): string {
  try {
    const output = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pattern.exec(output)?.[1] ?? output.trim().split('\n')[0]!;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): Machine {
  const flags = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    nodeOpenssl: process.versions.openssl ?? 'unknown',
    systemOpenssl: version('openssl', ['version'], /OpenSSL (\S+)/),
    nginx: nginxVersion(),
    ab: version('ab', ['-V'], /Version (\S+)/),
    virtualized: /\bhypervisor\b/.test(flags),
  };
}

function nginxVersion(): string {
  try {
    // nginx prints its version on stderr and exits 0.
    const output = execFileSync('sh', ['-c', '(nginx -v || /usr/sbin/nginx -v) 2>&1'], { encoding: 'utf8' });
    return /nginx\/(\S+)/.exec(output)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
