import { Client } from 'undici';
import { originOf, type Manifest } from '@portcullis/manifest';
import { MeshClient, type Identity } from '@portcullis/trust';
import { externalClient } from './clients';
import { DEMO_CLIENT } from './curl';
import { renewAll, revokeWorkload, type StepTimes } from './lifecycle';
import { rotateAuthority } from './rotate';
import { monitorClient } from './readiness';

/** The client whose certificate the drill revokes, while the main load runs as the demo client. */
export const REVOKED_CLIENT = 'partner';

/**
 * The drill's own CA rotation overlap: short, so a drill takes seconds, but
 * still three times the once-a-second re-reading of the outside clients it
 * stands for, with room for a slow reload on a loaded machine.
 */
export const DRILL_OVERLAP_MS = 3_000;

export interface DrillOptions {
  readonly manifest: Manifest;
  readonly certsDir: string;
  readonly environment: string;
  /** Keep the load going until at least this many requests were sent. */
  readonly minRequests?: number;
  /** Concurrent requests in flight. */
  readonly concurrency?: number;
  /** One request in this many opens a fresh connection (full handshake) instead of reusing the pool. */
  readonly freshEvery?: number;
  /** How long the CA rotation waits for outside clients at each step (`DRILL_OVERLAP_MS` by default). */
  readonly overlapMs?: number;
  readonly log?: (line: string) => void;
}

export interface Tally {
  sent: number;
  succeeded: number;
  failed: number;
  failures: Record<string, number>;
}

/**
 * The revoked client's requests: refused after the revocation, accepted again with its fresh
 * certificate; and what the gateway answered a request made with the revoked certificate itself.
 */
export interface RevokedClientTally extends Tally {
  refusedAfterRevocation: number;
  revokedCertificateAnswer?: number;
}

export interface DrillReport {
  readonly load: Tally;
  readonly revokedClient: RevokedClientTally;
  readonly steps: StepTimes;
  readonly seconds: number;
  readonly requestsPerSecond: number;
}

/**
 * The rotation drill: steady load through the gateway across the whole call
 * chain (gateway -> orders -> inventory + payments), keep-alive and fresh
 * connections mixed, while (a) every leaf is renewed, (b) the CA is rotated
 * and (c) one client identity is revoked. Any request of the main load that
 * does not get its 201 counts as failed.
 */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const { manifest, certsDir, environment } = options;
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const demo = externalClient(manifest, certsDir, environment, DEMO_CLIENT);
  const partner = externalClient(manifest, certsDir, environment, REVOKED_CLIENT);
  const monitor = monitorClient(manifest, certsDir, environment);
  const load: Tally = { sent: 0, succeeded: 0, failed: 0, failures: {} };
  const revoked: RevokedClientTally = { sent: 0, succeeded: 0, failed: 0, failures: {}, refusedAfterRevocation: 0 };
  let revokedAt = Number.POSITIVE_INFINITY;
  let stopping = false;
  let aborted = false;
  const minRequests = options.minRequests ?? 10_000;
  const freshEvery = options.freshEvery ?? 5;

  const order = async (n: number) => {
    const fresh = n % freshEvery === 0;
    const client = fresh ? new MeshClient({ manifest, environment, self: manifest.clients.get(DEMO_CLIENT)!, source: demo.source }) : demo.client;
    load.sent++;
    try {
      const response = await client.call('gateway', 'POST', '/orders', { sku: 'WIDGET-1', quantity: 1 });
      if (response.status === 201) load.succeeded++;
      else count(load, `HTTP ${response.status}`);
    } catch (error) {
      count(load, error instanceof Error ? error.message : String(error));
    } finally {
      if (fresh) await client.close();
    }
  };
  let next = 0;
  const worker = async () => {
    while (!aborted && (!stopping || load.sent < minRequests)) await order(next++);
  };
  const partnerLoop = async () => {
    while (!aborted && (!stopping || load.sent < minRequests)) {
      revoked.sent++;
      try {
        const response = await partner.client.call('gateway', 'GET', '/inventory');
        if (response.status === 200) revoked.succeeded++;
        else if (response.status === 403 && Date.now() >= revokedAt) revoked.refusedAfterRevocation++;
        else count(revoked, `HTTP ${response.status}`);
      } catch (error) {
        count(revoked, error instanceof Error ? error.message : String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const workers = Array.from({ length: options.concurrency ?? 16 }, worker);
  const partnerRun = partnerLoop();
  const steps: StepTimes = {};
  try {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const mesh = { manifest, certsDir, monitor: monitor.client };
    log(`load running (${load.sent} sent); renewing every leaf`);
    Object.assign(steps, await renewAll(mesh));
    log(`renewed in ${steps.renew} ms (${load.sent} sent); rotating the CA`);
    Object.assign(steps, await rotateAuthority(mesh, { overlapMs: options.overlapMs ?? DRILL_OVERLAP_MS, say: log }));
    log(
      `CA rotated: introduce ${steps.introduce} ms, switch ${steps.switch} ms (each with its overlap), retire ${steps.retire} ms (${load.sent} sent); revoking ${REVOKED_CLIENT}`,
    );
    const revokedIdentity = partner.source.current();
    revokedAt = Date.now();
    const revocation = await revokeWorkload(mesh, REVOKED_CLIENT);
    Object.assign(steps, revocation.times);
    revoked.revokedCertificateAnswer = await statusWith(revokedIdentity, manifest, environment);
    log(`revoked ${REVOKED_CLIENT}'s certificate ${revocation.serial} in ${steps.revoke} ms (${load.sent} sent)`);
  } catch (error) {
    aborted = true; // A step failed: stop the load now rather than after the remaining requests.
    throw error;
  } finally {
    stopping = true;
    await Promise.all([...workers, partnerRun]);
    await Promise.all([demo.close(), partner.close(), monitor.close()]);
  }
  const seconds = (Date.now() - started) / 1000;
  return { load, revokedClient: revoked, steps, seconds, requestsPerSecond: Math.round(load.sent / seconds) };
}

/** What the gateway answers `GET /inventory` from a client presenting exactly `identity` (no reloading, no pinning). */
async function statusWith(identity: Identity, manifest: Manifest, environment: string): Promise<number> {
  const client = new Client(originOf(manifest, 'gateway', environment), {
    connect: { ca: identity.bundlePem, cert: identity.chainPem, key: identity.keyPem, servername: 'gateway', checkServerIdentity: () => undefined },
  });
  try {
    return (await client.request({ method: 'GET', path: '/inventory' })).statusCode;
  } finally {
    await client.close();
  }
}

function count(tally: Tally, reason: string): void {
  tally.failed++;
  tally.failures[reason] = (tally.failures[reason] ?? 0) + 1;
}
