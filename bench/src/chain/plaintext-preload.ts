/**
 * Loaded into each service of the bench's PLAINTEXT chain (`node --require`, before the service's
 * own `dist/main.js`): the same services, minus mutual TLS. It installs the trust library's
 * benchmark-only plaintext transport (libs/trust/src/bench-transport.ts explains why that is not a
 * switch a real deployment could be configured into):
 * - servers are node:http instead of node:https, with the same Fastify options and hooks;
 * - the mesh client connects over plain TCP, from the caller's own address in the manifest's
 *   environment (each local service has its own loopback address);
 * - a connection's caller is the workload whose address it comes from (a plaintext mesh can only
 *   trust the network), so the default-deny route policy still runs on every request, as in the
 *   mTLS chain; what the plaintext chain lacks is exactly what mTLS adds: handshakes, record
 *   encryption, the certificate checks per connection and the expiry and deny-list checks per request.
 * The bench's own clients (the load generator as the demo client) come from addresses it names in
 * PORTCULLIS_BENCH_CLIENT_ADDRESSES (`demo-client=127.0.0.200,...`).
 */
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { addressOf, loadManifest, workloadNamed, type Workload } from '@portcullis/manifest';
import { meshLocation, SERVER_LIMITS, type MeshPeer, type PeerVerdict } from '@portcullis/trust';
import { installPlaintextForBenchmark } from '@portcullis/trust/bench';
import { profileOnSignal } from './profiler';

const location = meshLocation();
const manifest = loadManifest(location.manifestFile);
const clientAddresses = new Map(
  (process.env.PORTCULLIS_BENCH_CLIENT_ADDRESSES ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string]),
);

/** Who speaks from each address: every service at its address in this environment, and the bench's clients. */
const byAddress = new Map<string, MeshPeer>();
for (const name of manifest.services.keys()) byAddress.set(addressOf(manifest, name, location.environment).host, workloadNamed(manifest, name)!);
for (const [name, address] of clientAddresses) {
  const workload = workloadNamed(manifest, name);
  if (!workload) throw new Error(`PORTCULLIS_BENCH_CLIENT_ADDRESSES names "${name}", which ${manifest.file} does not know`);
  byAddress.set(address, workload);
}

const sourceAddress = (self: Workload): string | undefined =>
  self.kind === 'service' ? addressOf(manifest, self.name, location.environment).host : clientAddresses.get(self.name);

/** Decided once per connection, like the certificate's verdict in the mTLS chain. */
const verdicts = new WeakMap<Socket, PeerVerdict>();
const remote = (address: string | undefined) => (address?.startsWith('::ffff:') ? address.slice(7) : address);

installPlaintextForBenchmark({
  createServer: (handler) =>
    createServer({ headersTimeout: SERVER_LIMITS.headersTimeoutMs, connectionsCheckingInterval: Math.min(1_000, SERVER_LIMITS.headersTimeoutMs) }, handler),
  connector: (_target, self) => {
    const localAddress = sourceAddress(self);
    return (options, callback) => {
      const socket = connect({ host: options.hostname, port: Number(options.port), ...(localAddress ? { localAddress } : {}), noDelay: true });
      const failed = (error: Error) => callback(error, null);
      socket.once('error', failed).once('connect', () => {
        socket.off('error', failed);
        socket.setKeepAlive(true, 60_000);
        callback(null, socket);
      });
    };
  },
  identify: (socket) => {
    let verdict = verdicts.get(socket);
    if (!verdict) {
      const address = remote(socket.remoteAddress);
      const peer = address === undefined ? undefined : byAddress.get(address);
      verdict = peer
        ? { ok: true, peer: { id: peer.id, name: peer.name } }
        : { ok: false, reason: `no workload speaks from ${address ?? 'an unknown address'}`, class: 'unknown identity' };
      verdicts.set(socket, verdict);
    }
    return verdict;
  },
});

profileOnSignal(process.env.PORTCULLIS_BENCH_PROFILE_DIR);
