import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { addressOf } from '@portcullis/manifest';
import { meshUnderTest } from '../support/mesh-under-test';

const mesh = meshUnderTest();
const services = [...mesh.manifest.services.keys()];

/** Local processes only: in containers every service has the whole port space of its own network namespace. */
describe('ports', () => {
  it('has every service process listen on 8443 only', () => {
    const listening = execFileSync('ss', ['-H', '-l', '-t', '-n', '-p'], { encoding: 'utf8' }).split('\n');
    const byService = new Map<string, string[]>();
    for (const line of listening) {
      for (const [, pid] of line.matchAll(/pid=(\d+)/g)) {
        let cmdline: string;
        try {
          cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          continue;
        }
        const service = /services\/([a-z-]+)\/dist\/main\.js/.exec(cmdline)?.[1];
        if (service && services.includes(service)) {
          byService.set(service, [...(byService.get(service) ?? []), line.trim().split(/\s+/)[3]!]);
        }
      }
    }
    expect(Object.fromEntries(byService)).toEqual(
      Object.fromEntries(services.map((service) => [service, [`${addressOf(mesh.manifest, service, 'local').host}:8443`]])),
    );
  });
});
