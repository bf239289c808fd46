import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { COMMANDS } from '../src/commands';
import { MANIFEST_FILE, REPO_ROOT, repoManifest } from '../../../test-support/temp-mesh';

/** The built `mesh` command, as `pnpm mesh` runs it (`pnpm test` builds before testing). */
const mesh = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'tools/mesh/dist/cli.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

describe('the mesh command line', () => {
  it.each([[[]], [['--help']], [['help']]])('lists every command and exits 0 for %j', (args) => {
    const run = mesh(...args);
    expect(run.status).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toContain(`  ${command.name} `);
  });

  it.each(COMMANDS.map((command) => [command.name]))('explains "%s" with --help and exits 0', (name) => {
    const run = mesh(...name.split(' '), '--help');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(new RegExp(`^usage: mesh ${name}\\b`));
  });

  it('refuses an option a command does not take, naming it, with exit code 2', () => {
    const run = mesh('certs', '--forse');
    expect(run.status).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(/^mesh certs: Unknown option '--forse'/);
    expect(run.stderr).toContain('usage: mesh certs ');
  });

  it('refuses a number that is not one, and a command that does not exist', () => {
    expect(mesh('drill', '--requests=many')).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/^mesh drill: --requests takes a whole number of at least 1, not "many"/),
    });
    const services = [...repoManifest().services.keys()].join(', ');
    expect(mesh('drill', '--crash=nobody')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining(`mesh drill: --crash takes one of the services of ${MANIFEST_FILE} (${services}), not "nobody"`),
    });
    expect(mesh('ca', 'rotate', '--overlap=soon')).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/^mesh ca rotate: --overlap takes a duration like 30s, 10m or 1h, not "soon"/),
    });
    expect(mesh('renew', 'now')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^mesh renew: mesh renew takes no argument \(now\)/) });
    expect(mesh('teleport')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^mesh: there is no command "teleport"/) });
  });
});
