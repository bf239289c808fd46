import { formatDuration } from '../format';
import { renewAll, revokeWorkload } from '../lifecycle';
import { rotateAuthority } from '../rotate';
import { duration, UsageError, type Command } from './command';
import { onRunningMesh, printSteps } from './running-mesh';

export const renew: Command = {
  name: 'renew',
  summary: 'renew every certificate now, on the running mesh',
  synopsis: '',
  help: 'Renews every certificate now, on the running mesh, and waits until every service serves its new one.',
  async run({ location, print }) {
    printSteps(await onRunningMesh(location, renewAll), print);
    return 0;
  },
};

export const caRotate: Command = {
  name: 'ca rotate',
  summary: 'rotate the root CA on the running mesh, with an overlap',
  synopsis: '[--overlap <duration>]',
  help: `Rotates the root CA on the running mesh: trusts old and new, waits the overlap, reissues every leaf under the new
root, waits the overlap, retires the old root; prints each wait with its end (clock time).
  --overlap <duration>    instead of certificates.rootOverlap in mesh.yaml (30s, 10m, 1h)`,
  options: { overlap: { type: 'string' } },
  async run(input) {
    const { location, print } = input;
    const overlapMs = duration(input, 'overlap');
    const times = await onRunningMesh(location, (mesh) => {
      const from = overlapMs === undefined ? `certificates.rootOverlap in ${mesh.manifest.file}` : '--overlap';
      print(`rotating the root CA with an overlap of ${formatDuration(overlapMs ?? mesh.manifest.certificates.rootOverlapMs)} (${from})`);
      return rotateAuthority(mesh, { ...(overlapMs === undefined ? {} : { overlapMs }), say: print });
    });
    printSteps(times, print);
    return 0;
  },
};

export const revoke: Command = {
  name: 'revoke',
  summary: "revoke a workload's certificate and give it a fresh one",
  synopsis: '<name>',
  help: "Revokes a workload's current certificate on the running mesh (the deny list every service checks), gives it a\nfresh one, and waits until every service refuses the old one.",
  positionals: true,
  async run({ location, print, positionals }) {
    const [workload, ...extra] = positionals;
    if (workload === undefined || extra.length > 0) throw new UsageError('name exactly one workload to revoke');
    const { serial, times } = await onRunningMesh(location, (mesh) => revokeWorkload(mesh, workload));
    print(`revoked ${workload}'s certificate ${serial}`);
    printSteps(times, print);
    return 0;
  },
};
