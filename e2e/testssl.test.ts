import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test-support/temp-mesh';
import { meshUnderTest } from './support/mesh-under-test';

const mesh = meshUnderTest();

interface Finding {
  readonly id: string;
  readonly severity: 'DEBUG' | 'INFO' | 'OK' | 'WARN' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  readonly finding: string;
}

const SEVERE = new Set(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

/**
 * An independent audit of the gateway's TLS by testssl.sh (Debian's 3.0, which
 * has no --mtls): its protocol, cipher, forward-secrecy, vulnerability and
 * server-preference checks run before client authentication, so they see the
 * real server configuration.
 */
describe('testssl.sh -p -s -f -U -P against the gateway', () => {
  let findings: Finding[];
  const work = tempDir('testssl');

  beforeAll(async () => {
    const { host, port } = mesh.endpoint('gateway').connect;
    const jsonFile = join(work.dir, 'gateway.json');
    const args = ['--quiet', '--color', '0', '--warnings', 'off', '-p', '-s', '-f', '-U', '-P', '--jsonfile', jsonFile, `${host}:${port}`];
    await new Promise<void>((resolve, reject) => {
      const child = spawn('testssl', args, { stdio: 'ignore' });
      child.once('error', (error) => reject(new Error(`testssl could not run (${error.message}); install Debian's testssl.sh, as .ci/run does`)));
      // testssl's exit status counts findings of every kind; the JSON report is what we judge.
      child.once('exit', () => resolve());
    });
    findings = JSON.parse(readFileSync(jsonFile, 'utf8')) as Finding[];
  }, 180_000);
  afterAll(() => work.remove());

  it('ran the protocol, cipher and vulnerability checks', () => {
    const ids = findings.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['SSLv3', 'TLS1', 'TLS1_2', 'TLS1_3', 'PFS', 'heartbleed', 'ROBOT', 'secure_client_renego', 'cipher_order']));
  });

  it('finds only TLS 1.3 on offer, with forward secrecy', () => {
    const finding = (id: string) => findings.find((f) => f.id === id)?.finding;
    expect(finding('TLS1_3')).toBe('offered with final');
    for (const old of ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1', 'TLS1_2']) expect(finding(old)).toBe('not offered');
    expect(findings.find((f) => f.id === 'PFS')?.severity).toBe('OK');
  });

  it('reports nothing rated LOW or worse', () => {
    expect(findings.filter((f) => SEVERE.has(f.severity))).toEqual([]);
  });
});
