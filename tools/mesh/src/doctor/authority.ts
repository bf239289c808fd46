import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { authorityFiles, overlapEndsAt, readAuthority, rotationState } from '@portcullis/pki';
import { displayPath } from '@portcullis/trust';
import { formatClock, formatDuration } from '../format';
import { error, ok, warning, type DoctorContext, type Finding } from './finding';
import { publishedRoots, readRoots } from './roots';

const ROTATE = 'pnpm mesh ca rotate';

/**
 * The CA's own files: a root and intermediate that belong together, a
 * published bundle that matches the rotation's phase (a rotation in progress
 * is read from the directories exactly as `rotation.ts` reads it), and a deny
 * list every service can parse. Only reads: `rotationState` and
 * `readAuthority` open files, they never write.
 */
export function authorityFindings(context: DoctorContext): Finding[] {
  const files = authorityFiles(context.certsDir);
  // A mesh fed by cert-manager or SPIRE has no CA directory of ours; the workloads' files are still checked.
  if (!existsSync(files.dir)) return [ok('ca', 'authority', `no ${displayPath(files.dir)} (certificates come from elsewhere), nothing to check`)];
  const findings: Finding[] = [];
  let root: X509Certificate;
  try {
    const pair = readAuthority(files);
    if (!pair.root || !pair.intermediate)
      return [
        error(
          'ca',
          'authority',
          `${displayPath(files.dir)} has no complete CA (root and intermediate, certificates and keys); restore it or delete it and run "pnpm mesh certs --force"`,
        ),
      ];
    root = new X509Certificate(pair.root.certPem);
    const intermediate = new X509Certificate(pair.intermediate.certPem);
    if (!intermediate.checkIssued(root) || !intermediate.verify(root.publicKey)) {
      findings.push(
        error(
          'ca',
          'authority',
          `${displayPath(files.intermediateCert)} is not signed by ${displayPath(files.rootCert)}; a half-done CA change: run "${ROTATE}" to finish it`,
        ),
      );
    } else
      findings.push(
        ok(
          'ca',
          'authority',
          `root and intermediate belong together (root ${root.fingerprint256.slice(0, 23)}..., expires ${formatClock(root.validToDate, context.now)})`,
        ),
      );
  } catch (failure) {
    return [error('ca', 'authority', (failure as Error).message)];
  }

  findings.push(...rotationFindings(context, root));
  findings.push(denyListFinding(files.revoked));
  return findings;
}

function rotationFindings(context: DoctorContext, root: X509Certificate): Finding[] {
  const files = authorityFiles(context.certsDir);
  const state = rotationState(context.certsDir);
  const bundle = publishedRoots(context.certsDir) ?? [];
  const otherRoot = (dir: string) => readRoots(authorityFiles(context.certsDir, dir).rootCert)?.[0]?.fingerprint;
  const expected =
    state.phase === 'idle'
      ? [root.fingerprint256]
      : state.phase === 'introduced'
        ? [root.fingerprint256, otherRoot(files.next)]
        : [root.fingerprint256, otherRoot(files.previous)];
  const findings: Finding[] = [];
  const unexpected = bundle.filter((fp) => !expected.includes(fp));
  const absent = expected.filter((fp): fp is string => fp !== undefined && !bundle.includes(fp));
  if (unexpected.length > 0 || absent.length > 0) {
    const detail = [unexpected.length ? `trusts ${unexpected.join(', ')} which is no root of the CA` : '', absent.length ? `lacks ${absent.join(', ')}` : '']
      .filter(Boolean)
      .join(' and ');
    findings.push(
      error(
        'ca',
        'bundle',
        `the CA's published roots (${displayPath(files.bundle)}, or ${displayPath(files.rootCert)} alone) ${detail} (rotation phase: ${state.phase}); run "${state.phase === 'idle' ? 'pnpm mesh certs' : ROTATE}" to publish the right roots`,
      ),
    );
  }
  if (state.phase === 'idle') {
    if (findings.length === 0) findings.push(ok('ca', 'rotation', `no rotation in progress; the bundle holds the current root`));
    return findings;
  }
  const overlapMs = context.manifest.certificates.rootOverlapMs;
  const endsAt = overlapEndsAt(state, overlapMs);
  const step =
    state.phase === 'introduced'
      ? 'a next root is trusted but no leaf is issued under it yet'
      : 'leaves are under the new root but the old root is still trusted';
  if (!endsAt) {
    findings.push(warning('ca', 'rotation', `a CA rotation is in progress (${step}) and its publication was never recorded; run "${ROTATE}" to go on`));
  } else if (context.now < endsAt) {
    findings.push(
      warning(
        'ca',
        'rotation',
        `a CA rotation is in progress (${step}), within its overlap until ${formatClock(endsAt, context.now)}; let "${ROTATE}" finish (run it again if it was stopped)`,
      ),
    );
  } else {
    findings.push(
      error(
        'ca',
        'rotation',
        `a CA rotation was left half done (${step}) ${formatDuration(context.now.getTime() - endsAt.getTime())} after its overlap ended; run "${ROTATE}" to finish it`,
      ),
    );
  }
  return findings;
}

/** Every line of the deny list is a serial number (hex), optionally followed by a `#` comment. */
function denyListFinding(file: string): Finding {
  if (!existsSync(file)) return ok('ca', 'deny list', 'no deny list: nothing is revoked');
  const lines = readFileSync(file, 'utf8').split('\n');
  const bad = lines.findIndex((line) => {
    const serial = line.replace(/#.*/, '').trim();
    return serial !== '' && !/^[0-9A-Fa-f]+$/.test(serial);
  });
  if (bad >= 0)
    return error(
      'ca',
      'deny list',
      `${displayPath(file)}:${bad + 1} is not a serial number ("${lines[bad]!.trim()}"); write one hex serial per line, with "#" before any comment`,
    );
  const count = lines.filter((line) => line.replace(/#.*/, '').trim() !== '').length;
  return ok('ca', 'deny list', `${displayPath(file)} parses (${count} revoked)`);
}
