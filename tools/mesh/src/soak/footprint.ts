import { readdirSync, readFileSync } from 'node:fs';

/** What a process holds at one moment, as the kernel counts it: resident memory and open file descriptors. */
export interface Footprint {
  readonly rssBytes: number;
  readonly openFds: number;
}

/** Read from /proc (Linux), from outside the process: no cooperation from the service, no code in it. */
export function footprintOf(pid: number): Footprint | undefined {
  try {
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return { rssBytes: rssKb * 1024, openFds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined; // The process has exited.
  }
}
