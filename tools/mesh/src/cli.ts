#!/usr/bin/env node
import { loadManifest, originOf, parseDuration } from '@portcullis/manifest';
import { meshLocation } from '@portcullis/trust';
import { issueCertificates } from './certs';
import { curlExample } from './curl';
import { startLocalMesh } from './local-mesh';
import { identityTable, policyTable } from './tables';
import { certificateTimeline } from './timeline';
import { runDrill } from './drill';
import { formatDuration } from './format';
import { renewAll, revokeWorkload } from './lifecycle';
import { rotateAuthority } from './rotate';
import { monitorClient } from './readiness';
import { keepRenewing } from './renewer';
import { addService } from './add-service/add-service';
import { generateDerivedFiles } from './generate';
import { kubernetesCommand } from './kubernetes/command';

const USAGE = `usage: mesh <command>

  certs [name...] [--force]   issue missing or due certificates (all workloads by default)
  certs --watch[=seconds]     keep doing so every 60 s (or as given): the renewer
  certs status                every certificate's expiry and renewal time, soonest first
  up [--verbose] [--renew-check-seconds=60]
                              issue certificates, boot every service locally, wait until all answer over mTLS,
                              and keep renewing certificates as they come due
On a running mesh (each waits until every service has taken the change up):
  renew                       renew every certificate now
  ca rotate [--overlap=10m]   rotate the root CA: trust old+new, wait the overlap, reissue every leaf under the new
                              root, wait the overlap, retire the old root; prints each wait with its end (clock time).
                              The overlap is certificates.rootOverlap in mesh.yaml unless given (30s, 10m, 1h)
  revoke <name>               revoke a workload's certificate and give it a fresh one
  drill [--requests=N]        steady load while renewing, rotating and revoking; prints the report as JSON
  tables                      print the README's identity and policy tables from the manifest
  generate                    rewrite the files derived from the manifest: docker-compose.yml's services and
                              volumes, the README's tables
  add service <name> [--calls a,b] [--callers x,y] [--route "GET /path"]...
                              add a service: mesh.yaml (it calls a,b; x,y call its routes), services/<name>,
                              tsconfig.json, the derived files and its certificate
  workloads                   print the name of every service and client, one a line
  kubernetes                  write deploy/kubernetes (kustomize base and overlays) from the manifest
  kubernetes renew [--watch[=seconds]]
                              in the cluster (the mesh-renewer overlay): issue what is due, write the Secrets

Environment: PORTCULLIS_MANIFEST (default: the nearest mesh.yaml), PORTCULLIS_CERTS (default: certs/ beside it),
PORTCULLIS_ENV (default: local).`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const flags = new Set(rest.filter((arg) => arg.startsWith('--')).map((arg) => arg.split('=')[0]!));
  /** A whole number option `--name=N`, N at least 1; `fallback` when absent. */
  const option = (name: string, fallback: number) => {
    const text = rest.find((arg) => arg.startsWith(`${name}=`))?.split('=')[1];
    if (text === undefined) return fallback;
    if (!/^[1-9]\d*$/.test(text)) throw new Error(`${name} takes a whole number of at least 1, not "${text}"`);
    return Number(text);
  };
  /** Every value of an option given as `--name value` or `--name=value`. */
  const repeated = (name: string) =>
    rest.flatMap((arg, i) => (arg === name ? [rest[i + 1] ?? ''] : arg.startsWith(`${name}=`) ? [arg.slice(name.length + 1)] : []));
  /** A comma-separated list option, `--name a,b`, possibly given more than once. */
  const list = (name: string) =>
    repeated(name)
      .flatMap((value) => value.split(','))
      .map((v) => v.trim())
      .filter(Boolean);
  const names = rest.filter((arg, i) => !arg.startsWith('--') && !['--calls', '--callers', '--route'].includes(rest[i - 1] ?? ''));
  const location = meshLocation();
  const print = (line: string) => process.stdout.write(line + '\n');

  switch (command) {
    case 'certs': {
      const manifest = loadManifest(location.manifestFile);
      if (names[0] === 'status') {
        print(certificateTimeline(manifest, location.certsDir));
        return 0;
      }
      const unknown = names.filter((n) => !manifest.services.has(n) && !manifest.clients.has(n));
      if (unknown.length > 0) throw new Error(`${unknown.join(', ')}: not a service or client in ${manifest.file}`);
      await issueCertificates(manifest, location.certsDir, { force: flags.has('--force'), ...(names.length ? { only: names } : {}) }, print);
      if (!flags.has('--watch')) return 0;
      const stop = keepRenewing(manifest, location.certsDir, option('--watch', 60) * 1_000, (line, isError) =>
        (isError ? process.stderr : process.stdout).write(`${line}\n`),
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      stop();
      return 0;
    }
    case 'tables': {
      const manifest = loadManifest(location.manifestFile);
      print(`${identityTable(manifest)}\n\n${policyTable(manifest)}`);
      return 0;
    }
    case 'generate': {
      const changed = generateDerivedFiles(loadManifest(location.manifestFile));
      print(changed.length > 0 ? `rewrote ${changed.join(', ')} from the manifest` : 'every derived file already agrees with the manifest');
      return 0;
    }
    case 'add': {
      const [what, name, ...extra] = names;
      if (what !== 'service' || name === undefined || extra.length > 0)
        throw new Error('usage: mesh add service <name> [--calls a,b] [--callers x,y] [--route "GET /path"]...');
      await addService(
        location.manifestFile,
        location.certsDir,
        { name, calls: list('--calls'), callers: list('--callers'), routes: repeated('--route') },
        print,
      );
      return 0;
    }
    case 'workloads': {
      const manifest = loadManifest(location.manifestFile);
      for (const name of [...manifest.services.keys(), ...manifest.clients.keys()]) print(name);
      return 0;
    }
    case 'kubernetes':
      return kubernetesCommand(
        loadManifest(location.manifestFile),
        location.certsDir,
        { sub: names[0], watchSeconds: flags.has('--watch') ? option('--watch', 60) : undefined },
        (line, isError) => (isError ? process.stderr : process.stdout).write(`${line}\n`),
      );
    case 'renew':
    case 'ca':
    case 'revoke':
    case 'drill':
      return onRunningMesh(command, names, location, print, {
        requests: option('--requests', 10_000),
        overlap: rest.find((arg) => arg.startsWith('--overlap='))?.slice('--overlap='.length),
      });
    case 'up':
      return up(location, { verbose: flags.has('--verbose'), renewCheckSeconds: option('--renew-check-seconds', 60) }, print);
    default:
      process.stderr.write(USAGE + '\n');
      return command === undefined || command === 'help' || flags.has('--help') ? 0 : 2;
  }
}

async function up(
  location: ReturnType<typeof meshLocation>,
  { verbose, renewCheckSeconds }: { verbose: boolean; renewCheckSeconds: number },
  print: (line: string) => void,
): Promise<number> {
  const mesh = await startLocalMesh({
    manifestFile: location.manifestFile,
    certsDir: location.certsDir,
    environment: location.environment,
    renewCheckMs: renewCheckSeconds * 1_000,
    onOutput: (service, line) => {
      if (verbose || !isRoutine(line)) print(`[${service}] ${line}`);
    },
  });
  const services = [...mesh.manifest.services.keys()];
  print(`Portcullis mesh ready: ${services.join(', ')} on mutual TLS in ${(mesh.readyInMs / 1000).toFixed(1)} s. Try:`);
  print(curlExample(mesh.certsDir, originOf(mesh.manifest, 'gateway', mesh.environment)));
  print('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  print('stopping the mesh...');
  await mesh.stop();
  return 0;
}

async function onRunningMesh(
  command: string,
  names: readonly string[],
  location: ReturnType<typeof meshLocation>,
  print: (line: string) => void,
  { requests, overlap }: { requests: number; overlap: string | undefined },
): Promise<number> {
  const manifest = loadManifest(location.manifestFile);
  const overlapMs = overlap === undefined ? undefined : overlapOption(overlap);
  if (command === 'drill') {
    const report = await runDrill({
      manifest,
      certsDir: location.certsDir,
      environment: location.environment,
      minRequests: requests,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    print(JSON.stringify(report, null, 2));
    return report.load.failed === 0 ? 0 : 1;
  }
  const monitor = monitorClient(manifest, location.certsDir, location.environment);
  const mesh = { manifest, certsDir: location.certsDir, monitor: monitor.client };
  try {
    if (command === 'renew') print(JSON.stringify(await renewAll(mesh)));
    else if (command === 'ca' && names[0] === 'rotate') {
      const from = overlapMs === undefined ? `certificates.rootOverlap in ${manifest.file}` : '--overlap';
      print(`rotating the root CA with an overlap of ${formatDuration(overlapMs ?? manifest.certificates.rootOverlapMs)} (${from})`);
      print(JSON.stringify(await rotateAuthority(mesh, { ...(overlapMs === undefined ? {} : { overlapMs }), say: print })));
    } else if (command === 'revoke' && names[0]) print(JSON.stringify(await revokeWorkload(mesh, names[0])));
    else throw new Error(`usage: mesh ${command === 'ca' ? 'ca rotate' : command === 'revoke' ? 'revoke <name>' : command}`);
    return 0;
  } finally {
    await monitor.close();
  }
}

/** `--overlap=<duration>`, in the manifest's duration syntax. */
function overlapOption(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new Error(`--overlap takes a duration like 30s, 10m or 1h, not "${text}"`);
  }
}

/** Info-level JSON log lines of the services; warnings, errors and anything not JSON are always shown. */
function isRoutine(line: string): boolean {
  try {
    const level = (JSON.parse(line) as { level?: string }).level;
    return level === 'log' || level === 'info' || level === 'debug' || level === 'verbose';
  } catch {
    return false;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mesh: ${message}\n`);
    process.exit(1);
  },
);
