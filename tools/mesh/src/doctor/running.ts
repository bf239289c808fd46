import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { manifestRevision, type Service } from '@portcullis/manifest';
import { renewalTime } from '@portcullis/pki';
import { displayPath, IdentityError, ISSUE_COMMAND, loadIdentity, spiffeIdOf, svidRules } from '@portcullis/trust';
import { identityFiles, parseDenyList } from '@portcullis/layout';
import { formatDuration } from '../format';
import { MONITOR_CLIENT } from '../readiness';
import { error, manifestLineOf, ok, warning, type DoctorContext, type Finding } from './finding';
import { probe, type ProbeIdentity, type ProbeResult } from './probe';
import { referenceRoots, rootDifference } from './roots';

/** How far a service's clock may stray from this machine's before certificates start failing at the edges. */
export const CLOCK_TOLERANCE_MS = 5_000;

/** The monitor client's files, which the probes present (the manifest allows it on `GET /healthz`). */
export function monitorIdentity(context: DoctorContext): ProbeIdentity {
  const files = identityFiles(context.certsDir, MONITOR_CLIENT);
  return { key: readFileSync(files.key, 'utf8'), cert: readFileSync(files.cert, 'utf8'), ca: readFileSync(files.bundle, 'utf8') };
}

/** Every service at the address the manifest gives it, in parallel. */
export async function runningFindings(context: DoctorContext, identity: ProbeIdentity): Promise<Finding[]> {
  const services = [...context.manifest.services.values()];
  const results = await Promise.all(services.map((service) => serviceFindings(context, identity, service)));
  return results.flat();
}

async function serviceFindings(context: DoctorContext, identity: ProbeIdentity, service: Service): Promise<Finding[]> {
  const address = service.addresses.get(context.environment);
  const name = service.name;
  if (!address)
    return [error(name, 'address', `mesh.yaml gives ${name} no address in environment "${context.environment}"; add one under services.${name}.addresses`)];
  const where = `${address.host}:${address.port}`;
  const line = manifestLineOf(context, 'mesh.yaml', name, context.environment);
  const result = await probe(address.host, address.port, identity);
  const reached = reachability(name, where, line, result);
  if (result.step !== 'http') return [reached];
  return [reached, ...reportedFindings(context, service, where, result)];
}

/** One sentence for how far the connection got. */
export function reachability(name: string, where: string, line: string, result: ProbeResult): Finding {
  if (result.step === 'tcp') {
    if (result.failure === 'refused')
      return error(
        name,
        'reachable',
        `${name}: nothing listens on ${where} (${line}; connection refused): start it ("pnpm start") or fix its address in mesh.yaml`,
      );
    if (result.failure === 'timeout')
      return error(
        name,
        'reachable',
        `${name}: ${where} timed out, ${result.reason}: a firewall drops the port or the host is down; open ${where.split(':').pop()} between the hosts`,
      );
    if (result.reason === 'ENOTFOUND' || result.reason === 'EAI_AGAIN') {
      // Compose (and Kubernetes) names resolve only inside their own network.
      return error(
        name,
        'reachable',
        `${name}: ${where.split(':')[0]} does not resolve from here (${result.reason}); run the doctor where the environment's names resolve, e.g. "docker compose exec renewer node dist/cli.js doctor --env compose", or fix ${line}`,
      );
    }
    return error(name, 'reachable', `${name}: ${where} cannot be reached (${result.reason}); check ${line} and the network`);
  }
  if (result.step === 'tls') {
    if (result.failure === 'timeout')
      return error(
        name,
        'reachable',
        `${name}: ${where} timed out, ${result.reason}: the process is hung (stopped, or blocked) or something else holds the port; restart ${name}`,
      );
    return error(
      name,
      'reachable',
      `${name}: ${where} refused the TLS handshake (${result.reason}); its log says why (mtls.refused): check the monitor's certificate with "pnpm mesh certs ${MONITOR_CLIENT}" and tls.minVersion in mesh.yaml`,
    );
  }
  return ok(name, 'reachable', `${name} completes a TLS handshake on ${where}`);
}

function reportedFindings(context: DoctorContext, service: Service, where: string, result: Extract<ProbeResult, { step: 'http' }>): Finding[] {
  const name = service.name;
  const findings: Finding[] = [];
  const id = result.peer && spiffeIdOf(result.peer);
  if (result.untrusted)
    findings.push(
      error(
        name,
        'identity',
        `${name}: the certificate on ${where} does not verify against the monitor's bundle (${result.untrusted}); peers refuse it: reissue it with "pnpm mesh certs ${name} --force"`,
      ),
    );
  else if (id !== service.id)
    findings.push(
      error(
        name,
        'identity',
        `${name}: ${where} presents ${id ?? 'no SPIFFE ID'}, but mesh.yaml says ${service.id} is there; peers refuse it: fix the address in mesh.yaml or restart the right service there`,
      ),
    );
  else findings.push(ok(name, 'identity', `presents ${id}`));

  if (result.failure || result.status !== 200 || !result.health) {
    const why = result.failure ?? `GET /healthz answered ${result.status}`;
    findings.push(
      error(
        name,
        'health',
        `${name}: ${where} refused the monitor after the handshake (${why}); allow "${MONITOR_CLIENT}" on GET /healthz in mesh.yaml (commonRoutes) and check the monitor's certificate with "pnpm mesh certs ${MONITOR_CLIENT}"`,
      ),
    );
    return findings;
  }
  const health = result.health;

  const onDisk = manifestRevision(context.manifestText);
  if (health.manifestRevision === undefined)
    findings.push(warning(name, 'revision', `${name} does not report its manifest revision (an older build); rebuild with "pnpm build" and restart it`));
  else if (health.manifestRevision !== onDisk)
    findings.push(
      error(
        name,
        'revision',
        `${name} runs manifest revision ${health.manifestRevision}, but mesh.yaml on disk is ${onDisk}: mesh.yaml changed after ${name} started; restart it ("pnpm start") or revert mesh.yaml`,
      ),
    );
  else findings.push(ok(name, 'revision', `runs mesh.yaml as on disk (${onDisk})`));

  const reference = referenceRoots(context);
  const { extra, missing } = rootDifference(health.bundle ?? [], reference.roots);
  if (extra.length > 0 || missing.length > 0) {
    const detail = [extra.length ? `trusts ${extra.join(', ')} that ${reference.from} does not hold` : '', missing.length ? `lacks ${missing.join(', ')}` : '']
      .filter(Boolean)
      .join(' and ');
    findings.push(error(name, 'roots', `${name} (running) ${detail}; republish the bundle with "pnpm mesh certs" and check that ${name} reloads it`));
  } else findings.push(ok(name, 'roots', `trusts the same roots as ${reference.from}`));

  findings.push(...servedCertificateFindings(context, service, result));

  const reported = Date.parse(health.time ?? '');
  if (Number.isNaN(reported)) findings.push(warning(name, 'clock', `${name} does not report its time (an older build); rebuild and restart it`));
  else {
    const skew = reported - result.localTime.getTime();
    if (Math.abs(skew) > CLOCK_TOLERANCE_MS)
      findings.push(
        error(
          name,
          'clock',
          `${name}'s clock is ${formatDuration(Math.abs(skew))} ${skew > 0 ? 'ahead of' : 'behind'} this machine's; certificates look expired or not yet valid at the edges: sync both clocks (NTP)`,
        ),
      );
    else findings.push(ok(name, 'clock', `clock within ${CLOCK_TOLERANCE_MS / 1000} s of this machine's`));
  }
  return findings;
}

/** The certificate the service serves: not revoked, not past renewal, and the one on disk (or why not). */
function servedCertificateFindings(context: DoctorContext, service: Service, result: Extract<ProbeResult, { step: 'http' }>): Finding[] {
  const name = service.name;
  const peer = result.peer;
  if (!peer) return [];
  const findings: Finding[] = [];
  const files = identityFiles(context.certsDir, name);
  const denied = parseDenyList(readIfPresent(files.revoked));
  if (denied.has(peer.serialNumber))
    findings.push(
      error(
        name,
        'served certificate',
        `${name} serves certificate ${peer.serialNumber}, which is revoked: every peer refuses it; give it a fresh one with "pnpm mesh certs ${name} --force"`,
      ),
    );
  const renewAt = renewalTime(peer);
  if (renewAt <= context.now)
    findings.push(
      warning(
        name,
        'served certificate',
        `${name} serves a certificate past its renewal time by ${formatDuration(context.now.getTime() - renewAt.getTime())} (expires in ${formatDuration(peer.validToDate.getTime() - context.now.getTime())}); run "pnpm mesh certs ${name}" and keep the renewer running`,
      ),
    );
  const diskSerial = serialOnDisk(files.cert);
  const refused = result.health?.certificate?.refusedUpdates ?? 0;
  // The service's reload refuses exactly what loadIdentity refuses: if the files on disk do not load,
  // a service that counts refused updates is still serving what it had before them.
  const diskProblem = identityProblem(context, service);
  if (refused > 0 && (diskProblem || (diskSerial && diskSerial !== peer.serialNumber))) {
    findings.push(
      error(
        name,
        'served certificate',
        `${name} refused its last identity update (${refused} refused) and still serves ${peer.serialNumber}${diskProblem ? `: ${diskProblem}` : `, not ${diskSerial} from ${displayPath(files.cert)}; its log says why (refused update)`}`,
      ),
    );
  } else if (diskSerial && diskSerial !== peer.serialNumber) {
    findings.push(
      warning(
        name,
        'served certificate',
        `${name} serves ${peer.serialNumber}, not yet ${diskSerial} from ${displayPath(files.cert)}; it reloads within seconds, if not restart it`,
      ),
    );
  } else if (findings.length === 0) {
    findings.push(
      ok(
        name,
        'served certificate',
        `serves ${peer.serialNumber}, the certificate on disk, due for renewal in ${formatDuration(renewAt.getTime() - context.now.getTime())}${refused > 0 ? ` (${refused} earlier update${refused === 1 ? '' : 's'} refused, since superseded)` : ''}`,
      ),
    );
  }
  return findings;
}

/** Why the service's files on disk would be refused by its reload, or undefined when they load. */
function identityProblem(context: DoctorContext, service: Service): string | undefined {
  try {
    loadIdentity(
      identityFiles(context.certsDir, service.name),
      { id: service.id, ...svidRules(context.manifest), fix: `${ISSUE_COMMAND} ${service.name}` },
      context.now,
    );
    return undefined;
  } catch (failure) {
    if (failure instanceof IdentityError) return failure.message;
    throw failure;
  }
}

function serialOnDisk(file: string): string | undefined {
  try {
    const pem = readFileSync(file, 'utf8');
    return new X509Certificate(pem).serialNumber;
  } catch {
    return undefined;
  }
}

function readIfPresent(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
