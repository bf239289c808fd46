import { connect as tcpConnect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ServerLimits } from '@portcullis/trust';
import { eventually } from '../../../test-support/eventually';
import { tempCerts } from '../../../test-support/temp-mesh';
import { connectAs as connectTo, startTrustedServer } from '../../../test-support/tls-server';

type Certs = Awaited<ReturnType<typeof tempCerts>>;
type Server = Awaited<ReturnType<typeof startTrustedServer>>;
/** A client socket that notes when it was closed. */
type Silent = Socket & { closedAt?: number };

/**
 * A TCP connection that never sends a ClientHello, from `localAddress`; resolves once connected,
 * or once closed (a reset can beat the report of the connect: "connect ECONNRESET").
 */
function silentConnection(port: number, localAddress = '127.0.0.1'): Promise<Silent> {
  return new Promise((resolve) => {
    const socket: Silent = tcpConnect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      socket.closedAt = performance.now();
      resolve(socket);
    });
  });
}

/** A mutual-TLS connection as `orders` (which may call payments); resolves once the handshake is done. */
const connectAs = (certs: Certs, port: number) => connectTo(certs.manifest, certs.dir, port, 'orders');

/** One request on an open connection; resolves with the status line, rejects if the connection closes first. */
function request(socket: TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\r\n')) resolve(text.split('\r\n')[0]!);
    });
    socket.once('close', () => reject(new Error(`closed before an answer: ${JSON.stringify(text)}`)));
    socket.write('POST /charges HTTP/1.1\r\nHost: payments\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('admission before the handshake', () => {
  let certs: Certs;
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  beforeAll(async () => {
    certs = await tempCerts();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const server of servers.splice(0)) await server.close();
  });
  afterAll(() => certs.remove());

  const start = async (limits: Partial<ServerLimits>, reportEveryMs?: number) => {
    const server = await startTrustedServer(certs.manifest, certs.dir, 'payments', 'payments', limits, {}, reportEveryMs);
    servers.push(server);
    return server;
  };
  const silent = async (server: Server, localAddress?: string) => {
    const socket = await silentConnection(server.port, localAddress);
    sockets.push(socket);
    return socket;
  };
  const pendingIs = (server: Server, count: number) => eventually(`${count} pending handshakes`, () => server.admission.status().pending === count);

  it('closes a new connection from an address that already holds its share of pending handshakes, and only from that address', async () => {
    const server = await start({ maxPendingPerAddress: 3, maxPendingHandshakes: 100 });
    const held: Silent[] = [];
    for (let i = 0; i < 3; i++) held.push(await silent(server, '127.0.5.1'));
    await pendingIs(server, 3);
    const fourth = await silent(server, '127.0.5.1');
    await eventually('the fourth connection from 127.0.5.1 to be closed', () => fourth.closedAt !== undefined);
    const other = await silent(server, '127.0.5.2');
    await pendingIs(server, 4);
    expect(held.concat(other).every((socket) => socket.closedAt === undefined)).toBe(true);
    // A client with a certificate, from yet another address, is served meanwhile.
    const client = await connectAs(certs, server.port);
    sockets.push(client);
    expect(await request(client)).toBe('HTTP/1.1 200 OK');
    expect(server.admission.status().shed).toEqual({ refusedPerAddress: 1, refusedAtCapacity: 0, evictedOldest: 0, handshakeDeadlineExpired: 0 });
    // Shed connections are counted, not audited one by one.
    expect(server.audit).toEqual([]);
  });

  it('closes the oldest pending connection to admit a new one when the pending pool is full', async () => {
    const server = await start({ maxPendingPerAddress: 4, maxPendingHandshakes: 4 });
    const first: Silent[] = [];
    for (let i = 0; i < 4; i++) {
      first.push(await silent(server, '127.0.5.1'));
      await pendingIs(server, i + 1);
    }
    const newcomer = await silent(server, '127.0.5.2');
    await eventually('the oldest to be closed', () => first[0]!.closedAt !== undefined);
    expect(
      first
        .slice(1)
        .concat(newcomer)
        .every((socket) => socket.closedAt === undefined),
    ).toBe(true);
    // The pool is still full of silent connections, and a real client gets in by evicting the oldest of them.
    const client = await connectAs(certs, server.port);
    sockets.push(client);
    expect(await request(client)).toBe('HTTP/1.1 200 OK');
    await eventually('the second oldest to be closed', () => first[1]!.closedAt !== undefined);
    expect(server.admission.status()).toMatchObject({
      pending: 3,
      authenticated: 1,
      shed: { evictedOldest: 2, refusedPerAddress: 0, handshakeDeadlineExpired: 0 },
    });
  });

  it('gives a handshake its full deadline while the pool is at most half full, and shortens it as the pool fills', async () => {
    const server = await start({ maxPendingPerAddress: 10, maxPendingHandshakes: 10, handshakeTimeoutMs: 2_000, minHandshakeTimeoutMs: 200 });
    // Alone, a silent connection lives for the full 2 s, counted from accept.
    const alone = await silent(server);
    const acceptedAt = performance.now();
    expect(server.admission.handshakeDeadlineMs()).toBe(2_000);
    await eventually('the lone connection to reach its deadline', () => alone.closedAt !== undefined, { withinMs: 4_000 });
    expect(alone.closedAt! - acceptedAt).toBeGreaterThan(1_900);
    expect(alone.closedAt! - acceptedAt).toBeLessThan(2_600);

    // With the pool full the deadline is the minimum: the connection that has waited 500 ms goes at once.
    const older = await silent(server, '127.0.5.1');
    await sleep(500);
    expect(older.closedAt).toBeUndefined();
    for (let i = 0; i < 9; i++) await silent(server, '127.0.5.2');
    await pendingIs(server, 10).catch(() => undefined);
    const filledAt = performance.now();
    await eventually('the older connection to expire under pressure', () => older.closedAt !== undefined, { withinMs: 1_500 });
    expect(older.closedAt! - filledAt).toBeLessThan(400);
    expect(server.admission.status().shed.handshakeDeadlineExpired).toBeGreaterThanOrEqual(2);
    expect(server.admission.status().shed.evictedOldest).toBe(0);
  });

  it('counts the deadline from accept: a ClientHello sent a byte at a time does not extend it', async () => {
    const server = await start({ handshakeTimeoutMs: 600, minHandshakeTimeoutMs: 100 });
    const drip = await silent(server);
    const acceptedAt = performance.now();
    // The start of a ClientHello record that announces 512 bytes, one byte every 50 ms.
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...new Array<number>(40).fill(7)]);
    let sent = 0;
    const dripping = setInterval(() => sent < hello.length && !drip.destroyed && drip.write(hello.subarray(sent, ++sent)), 50);
    try {
      await eventually('the dripping connection to be closed', () => drip.closedAt !== undefined, { withinMs: 3_000 });
    } finally {
      clearInterval(dripping);
    }
    expect(sent).toBeGreaterThan(5);
    expect(drip.closedAt! - acceptedAt).toBeLessThan(1_000);
    expect(server.admission.status().shed.handshakeDeadlineExpired).toBe(1);
  });

  it('leaves authenticated connections out of the pending pool: never evicted, never expired', async () => {
    const server = await start({ maxPendingPerAddress: 4, maxPendingHandshakes: 4, handshakeTimeoutMs: 600, minHandshakeTimeoutMs: 100 });
    const clients = [await connectAs(certs, server.port), await connectAs(certs, server.port)];
    sockets.push(...clients);
    await eventually('two authenticated connections', () => server.admission.status().authenticated === 2);
    expect(server.admission.status().pending).toBe(0);
    // Twenty silent connections from five addresses cycle through the pool of four, for longer than a deadline.
    for (let i = 0; i < 20; i++) await silent(server, `127.0.5.${1 + (i % 5)}`);
    await sleep(800);
    for (const client of clients) expect(await request(client)).toBe('HTTP/1.1 200 OK');
    const { shed, authenticated } = server.admission.status();
    expect(authenticated).toBe(2);
    expect(shed.evictedOldest).toBe(16);
    expect(shed.handshakeDeadlineExpired).toBe(4);
  });

  it('sums up what it shed in one log line per interval, and writes none when nothing was shed', async () => {
    const server = await start({ maxPendingPerAddress: 1, maxPendingHandshakes: 100 }, 300);
    await silent(server, '127.0.5.1');
    for (let i = 0; i < 5; i++) await silent(server, '127.0.5.1');
    await eventually('a summary line', () => server.shedLog.length > 0);
    const line = JSON.parse(server.shedLog[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'warn',
      event: 'mtls.shed',
      service: 'payments',
      periodMs: 300,
      refusedPerAddress: 5,
      evictedOldest: 0,
      pending: 1,
      busiestAddress: { address: '127.0.5.1', pending: 1 },
    });
    await sleep(900);
    expect(server.shedLog).toHaveLength(1);
    expect(server.audit).toEqual([]);
  });
});
