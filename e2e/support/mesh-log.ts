import { readFileSync } from 'node:fs';
import type { MeshUnderTest } from './mesh-under-test';

/** A refusal as the services log it (see libs/trust/src/audit.ts). */
export interface LoggedRefusal {
  readonly service: string;
  readonly stage: 'handshake' | 'request';
  readonly reason: string;
  readonly peer?: string;
  readonly route?: string;
}

/**
 * The mesh's output as the driver collected it, read from a mark on: each
 * test takes a mark first and then looks only at what its own requests caused.
 */
export class MeshLog {
  private mark = 0;

  constructor(private readonly mesh: MeshUnderTest) {}

  /**
   * Forget everything logged so far. Lines travel through a pipe, so first wait
   * until nothing new has arrived for a moment: a late line of the previous test
   * must not count for the next one.
   */
  async markNow(): Promise<void> {
    let count = this.lines().length;
    for (let quiet = 0; quiet < 3;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const now = this.lines().length;
      quiet = now === count ? quiet + 1 : 0;
      count = now;
    }
    this.mark = count;
  }

  /**
   * The refusals `service` logged since the mark. The log travels through a
   * pipe to the driver, so wait up to two seconds for `expected` of them.
   */
  async refusals(service: string, expected = 1): Promise<LoggedRefusal[]> {
    for (let attempt = 0; attempt < 40 && this.read(service).length < expected; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.read(service);
  }

  private read(service: string): LoggedRefusal[] {
    return this.lines()
      .slice(this.mark)
      .map((record) => JSON.parse(record) as { service: string; line: string })
      .filter((record) => record.service === service && record.line.includes('"mtls.refused"'))
      .map((record) => JSON.parse(record.line) as LoggedRefusal);
  }

  private lines(): string[] {
    return readFileSync(this.mesh.logFile, 'utf8').split('\n').filter(Boolean);
  }
}
