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
  /** A service to kill (SIGKILL) under load once the leaves are renewed, and to wait for until it is back. */
  readonly crash?: CrashStep;
  readonly log?: (line: string) => void;
}

/**
 * The crash step: one service is killed while the load runs, and whatever supervises it (the
 * local runner, compose's restart policy, Kubernetes) must start it again; the CA rotation then
 * goes on with the new process. Orders confirmed before it came back must still be confirmed.
 */
export interface CrashStep {
  readonly service: string;
  /**
   * Sends the service SIGKILL. Where the drill cannot reach the process (it runs in a container
   * of its own), this tells whoever can and returns: the drill waits for the kill either way.
   */
  readonly kill: (service: string) => void | Promise<void>;
  /** How long a new process of the service may take to answer (default 60 s). */
  readonly withinMs?: number;
}

/**
 * How long after the killed service answers again its peers may still fail a request: pooled
 * connections to the dead process are found closed only when used.
 */
export const CRASH_GRACE_MS = 1_000;

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

/**
 * The main load's requests that overlapped the crash, from the kill until `CRASH_GRACE_MS` after a
 * new process answered: these may fail (the gateway answers 502 while the service is down), and
 * are counted here rather than in `load`. What may not happen: a confirmed order lost.
 */
export interface CrashTally extends Tally {
  readonly service: string;
  /** From the kill (from the CLI: from when the drill asked for it) until a new process answered its health check. */
  downMs: number;
  /** Orders answered 201 before the new process answered, each read back through the gateway after the load... */
  confirmedBefore: number;
  /** ...and those of them that are no longer confirmed: lost by the crash. */
  lostConfirmed: number;
}

export interface DrillReport {
  readonly load: Tally;
  /** Present when the drill had a crash step. */
  readonly crash?: CrashTally;
  readonly revokedClient: RevokedClientTally;
  readonly steps: StepTimes;
  readonly seconds: number;
  readonly requestsPerSecond: number;
}

/**
 * The rotation drill: steady load through the gateway across the whole call
 * chain of the order flow (every service behind it), keep-alive and fresh
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

  const crash = options.crash && {
    tally: { service: options.crash.service, sent: 0, succeeded: 0, failed: 0, failures: {}, downMs: 0, confirmedBefore: 0, lostConfirmed: 0 } as CrashTally,
    killedAt: Infinity,
    backAt: Infinity,
    confirmed: [] as string[],
  };
  // A request that overlapped the crash window is the crash's to count; any other is the load's.
  const tallyOf = (sentAt: number, answeredAt: number): Tally =>
    crash && answeredAt >= crash.killedAt && sentAt <= crash.backAt + CRASH_GRACE_MS ? crash.tally : load;

  const order = async (n: number) => {
    const fresh = n % freshEvery === 0;
    const client = fresh ? new MeshClient({ manifest, environment, self: manifest.clients.get(DEMO_CLIENT)!, source: demo.source }) : demo.client;
    const sentAt = Date.now();
    let failure: string | undefined;
    try {
      const response = await client.call<{ id?: string }>('gateway', 'POST', '/orders', { sku: 'WIDGET-1', quantity: 1 });
      if (response.status !== 201) failure = `HTTP ${response.status}`;
      else if (crash && Date.now() < crash.backAt && response.body.id) crash.confirmed.push(response.body.id);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    } finally {
      if (fresh) await client.close();
    }
    const tally = tallyOf(sentAt, Date.now());
    tally.sent++;
    if (failure === undefined) tally.succeeded++;
    else {
      count(tally, failure);
      // A client that got no order waits a moment before its next one, as clients back off.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  let next = 0;
  const sent = () => load.sent + (crash?.tally.sent ?? 0);
  const worker = async () => {
    while (!aborted && (!stopping || sent() < minRequests)) await order(next++);
  };
  const partnerLoop = async () => {
    while (!aborted && (!stopping || sent() < minRequests)) {
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
    log(`renewed in ${steps.renew} ms (${load.sent} sent)`);
    if (crash && options.crash) {
      const { service } = options.crash;
      const before = await startedAt(monitor.client, service);
      log(`crash: waiting for ${service} to be killed (SIGKILL) and started again by whatever supervises it`);
      crash.killedAt = Date.now();
      await options.crash.kill(service);
      const withinMs = options.crash.withinMs ?? 60_000;
      while ((await startedAt(monitor.client, service).catch(() => before)) === before) {
        if (Date.now() - crash.killedAt > withinMs)
          throw new Error(`${service} did not answer as a new process within ${withinMs} ms of the kill: is anything restarting it?`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      crash.backAt = Date.now();
      steps.crash = crash.tally.downMs = crash.backAt - crash.killedAt;
      log(`${service} answered again as a new process ${steps.crash} ms after the kill (${load.sent} sent)`);
    }
    log('rotating the CA');
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
  }
  try {
    if (crash) {
      crash.tally.confirmedBefore = crash.confirmed.length;
      crash.tally.lostConfirmed = await notConfirmed(demo.client, crash.confirmed);
      log(`read back the ${crash.confirmed.length} orders confirmed before ${crash.tally.service} came back: ${crash.tally.lostConfirmed} no longer confirmed`);
    }
  } finally {
    await Promise.all([demo.close(), partner.close(), monitor.close()]);
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    load,
    ...(crash ? { crash: crash.tally } : {}),
    revokedClient: revoked,
    steps,
    seconds,
    requestsPerSecond: Math.round(sent() / seconds),
  };
}

/** When the service's current process started, as its health check says: another time is another process. */
async function startedAt(monitor: MeshClient, service: string): Promise<string> {
  const response = await monitor.call<{ startedAt?: string }>(service, 'GET', '/healthz');
  if (response.status !== 200) throw new Error(`${service} answered its health check ${response.status}`);
  if (!response.body.startedAt) throw new Error(`${service}'s health check says nothing of when it started: it runs an older build than this drill`);
  return response.body.startedAt;
}

/** How many of the orders `ids` the gateway no longer reports as confirmed (each asked up to three times if the call itself fails). */
async function notConfirmed(client: MeshClient, ids: readonly string[]): Promise<number> {
  let lost = 0;
  let next = 0;
  const reader = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      for (let attempt = 1; ; attempt++) {
        try {
          const response = await client.call<{ status?: string }>('gateway', 'GET', `/orders/${id}`);
          if (response.status >= 500 && attempt < 3) continue;
          if (response.status !== 200 || response.body.status !== 'confirmed') lost++;
          break;
        } catch (error) {
          if (attempt >= 3) throw error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, reader));
  return lost;
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
