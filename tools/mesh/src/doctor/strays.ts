import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { manifestRevision, workloadWithId } from '@portcullis/manifest';
import { spiffeIdOf } from '@portcullis/trust';
import { error, manifestLineOf, ok, type DoctorContext, type Finding } from './finding';
import { probe, type ProbeIdentity } from './probe';

/** Short: a stray that presents a mesh identity answers a handshake in milliseconds; anything else is not ours. */
const STRAY_TIMEOUT_MS = 700;

/**
 * TLS listeners on loopback that present an identity of this mesh (a
 * certificate under its bundle with a SPIFFE ID of the manifest) at an
 * address the manifest does not give: a service started from an older
 * manifest, or by hand, where no document says. Listeners of other meshes
 * (whose certificates do not verify against this bundle) and non-TLS
 * listeners are left alone.
 */
export async function strayFindings(context: DoctorContext, identity: ProbeIdentity): Promise<Finding[]> {
  const known = new Set(
    [...context.manifest.services.values()]
      .map((s) => s.addresses.get(context.environment))
      .filter((a) => a !== undefined)
      .map((a) => `${a.host}:${a.port}`),
  );
  let listeners: { host: string; port: number }[];
  try {
    listeners = await loopbackListeners();
  } catch (failure) {
    return [
      ok(
        'listeners',
        'strays',
        `could not list listening sockets with "ss -ltnH" (${(failure as Error).message}); install iproute2 to look for services where no document says`,
      ),
    ];
  }
  const candidates = listeners.filter(({ host, port }) => !known.has(`${host}:${port}`));
  const found = await Promise.all(
    candidates.map(async ({ host, port }) => {
      const result = await probe(host, port, identity, { timeoutMs: STRAY_TIMEOUT_MS });
      if (result.step !== 'http' || result.untrusted || !result.peer) return undefined;
      const id = spiffeIdOf(result.peer);
      const workload = id === undefined ? undefined : workloadWithId(context.manifest, id);
      if (!workload) return undefined;
      const where = `${host}:${port}`;
      const service = context.manifest.services.get(workload.name);
      const expected = service?.addresses.get(context.environment);
      const revision = result.health?.manifestRevision;
      const onDisk = manifestRevision(context.manifestText);
      const drift =
        revision === undefined
          ? ''
          : revision === onDisk
            ? ', with the manifest revision on disk'
            : `, running another manifest revision (${revision}; mesh.yaml on disk is ${onDisk})`;
      const there = expected
        ? `mesh.yaml gives ${workload.name} ${expected.host}:${expected.port} (${manifestLineOf(context, 'mesh.yaml', workload.name, context.environment)})`
        : `mesh.yaml gives ${workload.name} no address here`;
      return error(
        workload.name,
        'stray listener',
        `${workload.name} answers on ${where}${drift}, but ${there}: restart ${workload.name} so it listens where mesh.yaml says, or revert mesh.yaml; stop the process on ${where}`,
      );
    }),
  );
  const strays = found.filter((finding): finding is Finding => finding !== undefined);
  return strays.length > 0
    ? strays
    : [
        ok(
          'listeners',
          'strays',
          `no mesh identity answers on loopback outside mesh.yaml's addresses (${candidates.length} other listener${candidates.length === 1 ? '' : 's'} looked at)`,
        ),
      ];
}

/** Listening TCP sockets on 127.0.0.0/8, from `ss -ltnH` (its fourth column is the local address). */
async function loopbackListeners(): Promise<{ host: string; port: number }[]> {
  const { stdout } = await promisify(execFile)('ss', ['-ltnH'], { timeout: 1_000 });
  const listeners = new Map<string, { host: string; port: number }>();
  for (const line of stdout.split('\n')) {
    const local = line.trim().split(/\s+/)[3];
    const match = local && /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d+)$/.exec(local);
    if (match) listeners.set(local, { host: match[1]!, port: Number(match[2]) });
  }
  return [...listeners.values()];
}
