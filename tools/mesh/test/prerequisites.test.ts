import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '../../../test-support/temp-mesh';

const SCRIPT = join(REPO_ROOT, 'tools', 'prerequisites.sh');
const wantedMajor = readFileSync(join(REPO_ROOT, '.nvmrc'), 'utf8').trim();

/** Runs the prerequisites check with a PATH of only `commands` (resolved from this machine's PATH) plus `extra` scripts. */
function checkWith(commands: readonly string[], extra: Record<string, string> = {}) {
  const bin = tempDir('prerequisites');
  try {
    for (const command of commands) {
      const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim();
      if (found) symlinkSync(found, join(bin.dir, command));
    }
    for (const [name, body] of Object.entries(extra)) {
      writeFileSync(join(bin.dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin.dir, name), 0o755);
    }
    return spawnSync('bash', [SCRIPT, '--check'], { env: { PATH: bin.dir }, encoding: 'utf8' });
  } finally {
    bin.remove();
  }
}

describe('the test suite prerequisites', () => {
  const basics = ['bash', 'cat', 'dirname', 'ls', 'id', 'grep'];

  it('names every missing package with the command that installs it, one line each, before any test runs', () => {
    const run = checkWith([...basics, 'node', 'openssl']);
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual(
      [
        'curl',
        'iproute2',
        'testssl.sh',
        ...(spawnSync('sh', ['-c', 'ls /usr/lib/*/faketime/libfaketimeMT.so.1']).status === 0 ? [] : ['faketime']),
        'prometheus',
        ...(spawnSync('sh', ['-c', 'ls /usr/lib/postgresql/*/bin/initdb']).status === 0 ? [] : ['postgresql']),
      ].map((pkg) => `The tests need the ${pkg} package, which is missing: install it with "sudo apt-get install ${pkg}" (or your system's package manager).`),
    );
  });

  it('stops with one sentence on how to get the Node the project needs when an older one runs it', () => {
    const run = checkWith(basics, { node: 'case "$1" in --version) echo v20.20.2;; *) exit 1;; esac' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      `Node v20.20.2 is too old: Portcullis needs Node ${wantedMajor}; run the tests with "pnpm test" after "pnpm install" (which brings Node ${wantedMajor}), or install Node ${wantedMajor} (e.g. "nvm install ${wantedMajor}").`,
    );
  });

  it('passes on this machine, whose tools the suite uses', () => {
    const run = spawnSync('bash', [SCRIPT, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('brings the Node of .nvmrc with pnpm install, for every platform the same version', () => {
    const optional = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> })
      .optionalDependencies;
    const nodes = Object.entries(optional).filter(([name]) => /^node-(bin-)?(linux|darwin)-/.test(name));
    expect(nodes.length).toBeGreaterThanOrEqual(4);
    const versions = new Set(nodes.map(([, version]) => version));
    expect(versions.size).toBe(1);
    const [version] = versions;
    expect(version!.split('.')[0]).toBe(wantedMajor);
    const installed = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(installed).toBe(`v${version}`);
  });
});
