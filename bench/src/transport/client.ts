/**
 * The caller of the transport scenario, a process of its own (forked with an IPC channel) so
 * that its CPU time is its own. It builds its dispatcher as the mesh client does
 * (libs/trust/src/client/mesh-client.ts): an undici Agent whose connector presents the caller's
 * certificate from one shared TLS context, trusts the mesh bundle only and pins the callee's
 * SPIFFE ID; the only difference between the contenders is `allowH2`, on the connector (ALPN
 * offers `h2`) and on the Agent (undici speaks HTTP/2 once ALPN chose it).
 *
 * Each round is a closed loop: `inFlight` requests at every moment, each answer sending the next,
 * for `seconds`; every request's latency is kept.
 */
import { createSecureContext } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { identityFiles } from '@portcullis/layout';
import { loadManifest } from '@portcullis/manifest';
import { loadIdentity, pinServerIdentity, secureContextOptions, svidRules } from '@portcullis/trust';
import { REPO_MANIFEST } from '../paths';
import { percentile } from '../stats';
import { HOP, type ClientMessage, type ClientOpen, type RoundOutcome, type RoundRequest } from './protocol';

let agent: Agent | undefined;
let origin = '';
let connectionsOpened = 0;

function open(options: ClientOpen): Agent {
  const manifest = loadManifest(REPO_MANIFEST);
  const rules = svidRules(manifest);
  const self = manifest.services.get(HOP.caller)!;
  const identity = loadIdentity(identityFiles(options.certsDir, HOP.caller), { id: self.id, ...rules, fix: 'bench' });
  const allowH2 = options.transport === 'http2';
  const connector = buildConnector({
    secureContext: createSecureContext(secureContextOptions(identity, manifest.tls.minVersion)),
    rejectUnauthorized: true,
    servername: HOP.callee,
    checkServerIdentity: pinServerIdentity(HOP.callee, manifest.services.get(HOP.callee)!.id, rules, identity.revoked),
    timeout: 2_000,
    allowH2,
  });
  origin = options.origin;
  const dispatcher = new Agent({
    connect: connector,
    allowH2,
    connections: options.maxConnections,
    // Longer than a round of the other contender: no connection idles out between rounds and is opened again while measured.
    keepAliveTimeout: 30_000,
    headersTimeout: 5_000,
    bodyTimeout: 5_000,
  });
  dispatcher.on('connect', () => connectionsOpened++);
  return dispatcher;
}

async function round({ inFlight, seconds }: RoundRequest): Promise<RoundOutcome> {
  const dispatcher = agent!;
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let answered = 0;
  let errors = 0;
  let sequence = 0;
  const openedBefore = connectionsOpened;
  const fail = (why: string) => {
    errors++;
    failures[why] = (failures[why] ?? 0) + 1;
  };
  const started = performance.now();
  const end = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const id = `res-${process.pid}-${sequence++}`;
      const sent = performance.now();
      try {
        const response = await dispatcher.request({
          origin,
          path: HOP.path,
          method: HOP.method,
          headers: { 'content-type': 'application/json', 'idempotency-key': id },
          body: JSON.stringify({ id, sku: 'sku-0042', quantity: 2 }),
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) fail(`HTTP ${response.statusCode}`);
        else if ((JSON.parse(text) as { id?: string }).id !== id) fail('wrong answer');
        else answered++;
      } catch (error) {
        fail(error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error));
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  return {
    answered,
    errors,
    failures,
    wallSeconds: (performance.now() - started) / 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    connectionsOpened: connectionsOpened - openedBefore,
  };
}

const send = (message: ClientMessage) => process.send!(message);
process.on('message', (message: { kind: 'open'; options: ClientOpen } | { kind: 'round'; round: RoundRequest } | { kind: 'close' }) => {
  if (message.kind === 'open') {
    agent = open(message.options);
    send({ kind: 'opened' });
  } else if (message.kind === 'round') {
    void round(message.round).then((outcome) => send({ kind: 'round', outcome }));
  } else {
    void agent?.close().finally(() => process.exit(0));
  }
});
process.once('disconnect', () => process.exit(0));
