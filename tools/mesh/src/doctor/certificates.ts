import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { leafNames, renewalTime } from '@portcullis/pki';
import { displayPath, IdentityError, ISSUE_COMMAND, loadIdentity, svidRules } from '@portcullis/trust';
import { identityFiles, subjectAltNames } from '@portcullis/layout';
import { formatDuration } from '../format';
import { error, ok, warning, type DoctorContext, type Finding } from './finding';
import { readRoots, referenceRoots, rootDifference, workloadNames } from './roots';

/**
 * Every workload's certificate on disk, as the service would load it at
 * start-up (the trust library's own `loadIdentity`, so the doctor and the
 * service agree on what "valid" means), plus what only a comparison shows:
 * its names against the manifest, its renewal time, and its bundle against
 * everyone else's.
 */
export function certificateFindings(context: DoctorContext): Finding[] {
  const reference = referenceRoots(context);
  return workloadNames(context).flatMap((name) => workloadFindings(context, name, reference));
}

function workloadFindings(context: DoctorContext, name: string, reference: { roots: readonly string[]; from: string }): Finding[] {
  const workload = context.manifest.services.get(name) ?? context.manifest.clients.get(name)!;
  const files = identityFiles(context.certsDir, name);
  const fix = `${ISSUE_COMMAND} ${name}`;
  const findings: Finding[] = [];
  try {
    loadIdentity(files, { id: workload.id, ...svidRules(context.manifest), fix }, context.now);
    findings.push(ok(name, 'certificate', `${displayPath(files.cert)} chains to ${displayPath(files.bundle)} and carries ${workload.id}`));
  } catch (failure) {
    if (!(failure instanceof IdentityError)) throw failure;
    return [error(name, 'certificate', `${name}: ${failure.message}`)];
  }
  const leaf = new X509Certificate(readFileSync(files.cert));

  const expected = leafNames(context.manifest, workload);
  const names = subjectAltNames(leaf);
  const missing = [...expected.dnsNames.filter((dns) => !names.dnsNames.includes(dns)), ...expected.ips.filter((ip) => !names.ips.includes(ip))];
  if (missing.length > 0) {
    findings.push(
      error(
        name,
        'names',
        `${displayPath(files.cert)} lacks ${missing.join(', ')}, which mesh.yaml gives ${name}, so peers dialling it there fail verification; reissue it with "${fix} --force"`,
      ),
    );
  }

  const renewAt = renewalTime(leaf);
  const expiresIn = leaf.validToDate.getTime() - context.now.getTime();
  if (renewAt <= context.now) {
    findings.push(
      warning(
        name,
        'renewal',
        `${displayPath(files.cert)} was due for renewal ${formatDuration(context.now.getTime() - renewAt.getTime())} ago and expires in ${formatDuration(expiresIn)}; the renewer is not running or failing: run "${fix}" and keep "pnpm mesh up" (or the renewer container) running`,
      ),
    );
  } else {
    findings.push(ok(name, 'renewal', `expires in ${formatDuration(expiresIn)}, renewal due in ${formatDuration(renewAt.getTime() - context.now.getTime())}`));
  }

  const roots = readRoots(files.bundle) ?? [];
  const { extra, missing: lacking } = rootDifference(
    roots.map((root) => root.fingerprint),
    reference.roots,
  );
  const describe = (fp: string) => {
    const subject = roots.find((root) => root.fingerprint === fp)?.subject;
    return subject ? `${fp} (${subject})` : fp;
  };
  if (extra.length > 0) {
    findings.push(
      error(
        name,
        'bundle',
        `${displayPath(files.bundle)} trusts a root no other workload trusts: ${extra.map(describe).join('; ')} (not in ${reference.from}); republish the mesh bundle with "${ISSUE_COMMAND}" or remove it`,
      ),
    );
  }
  if (lacking.length > 0) {
    findings.push(
      error(
        name,
        'bundle',
        `${displayPath(files.bundle)} lacks the root ${lacking.join(', ')} that ${reference.from} holds, so ${name} refuses peers under it; republish the mesh bundle with "${ISSUE_COMMAND}"`,
      ),
    );
  }
  if (extra.length === 0 && lacking.length === 0)
    findings.push(ok(name, 'bundle', `trusts the same ${roots.length} root${roots.length === 1 ? '' : 's'} as every workload`));
  return findings;
}
