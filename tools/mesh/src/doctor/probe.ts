import type { X509Certificate } from 'node:crypto';
import { request } from 'node:http';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

/** The monitor's key, chain and the bundle it trusts, as PEM. */
export interface ProbeIdentity {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

/** Each step gets this long: a healthy service answers in milliseconds, a hung one never. */
export const STEP_TIMEOUT_MS = 1_000;

/** What a service says about itself in `GET /healthz` (the fields the doctor reads). */
export interface ReportedHealth {
  readonly service?: string;
  readonly id?: string;
  readonly certificate?: { readonly serial?: string; readonly notAfter?: string; readonly refusedUpdates?: number };
  readonly bundle?: readonly string[];
  readonly revoked?: readonly string[];
  readonly manifestRevision?: string;
  readonly time?: string;
}

/**
 * How far a connection got, each failure named by the step it stopped at, as
 * the trust library's mesh client cannot tell them apart: it pins the
 * identity and folds a refused port, a hung process and a wrong peer into
 * one failed call.
 */
export type ProbeResult =
  | { readonly step: 'tcp'; readonly failure: 'refused' | 'timeout' | 'unreachable'; readonly reason: string }
  | { readonly step: 'tls'; readonly failure: 'timeout' | 'refused'; readonly reason: string }
  | {
      readonly step: 'http';
      readonly peer: X509Certificate | undefined;
      /** Why the peer's chain does not verify against the bundle, or undefined when it does. */
      readonly untrusted: string | undefined;
      readonly status: number | undefined;
      readonly health: ReportedHealth | undefined;
      /** Why no answer came after the handshake (the server refused our certificate, timed out, ...). */
      readonly failure: string | undefined;
      /** This machine's clock halfway through the request, to hold the service's against. */
      readonly localTime: Date;
    };

/** TCP connect, then the TLS handshake presenting `identity`, then `GET /healthz`; each with its own timeout. */
export async function probe(host: string, port: number, identity: ProbeIdentity, options: { health?: boolean; timeoutMs?: number } = {}): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? STEP_TIMEOUT_MS;
  const tcp = tcpConnect({ host, port });
  const connected = await step(tcp, 'connect', timeoutMs);
  if (connected !== undefined) {
    tcp.destroy();
    if (connected === 'timeout') return { step: 'tcp', failure: 'timeout', reason: `no TCP answer within ${timeoutMs} ms` };
    const code = (connected as NodeJS.ErrnoException).code;
    return { step: 'tcp', failure: code === 'ECONNREFUSED' ? 'refused' : 'unreachable', reason: code ?? connected.message };
  }
  const tls = tlsConnect({
    socket: tcp,
    key: identity.key,
    cert: identity.cert,
    ca: identity.ca,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    // Verified by hand below, so that an untrusted or foreign certificate is named, not just refused.
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  });
  const handshake = await step(tls, 'secureConnect', timeoutMs);
  if (handshake !== undefined) {
    tls.destroy();
    return handshake === 'timeout'
      ? { step: 'tls', failure: 'timeout', reason: `TCP connects but no TLS handshake within ${timeoutMs} ms` }
      : { step: 'tls', failure: 'refused', reason: handshake.message };
  }
  const peer = tls.getPeerX509Certificate();
  const untrusted = tls.authorized ? undefined : String(tls.authorizationError);
  if (options.health === false) {
    tls.destroy();
    return { step: 'http', peer, untrusted, status: undefined, health: undefined, failure: undefined, localTime: new Date() };
  }
  return { step: 'http', peer, untrusted, ...(await getHealth(tls, host, port, timeoutMs)) };
}

async function getHealth(
  tls: TLSSocket,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<{ status: number | undefined; health: ReportedHealth | undefined; failure: string | undefined; localTime: Date }> {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    const done = (result: { status?: number; health?: ReportedHealth; failure?: string }) => {
      tls.destroy();
      resolve({ status: result.status, health: result.health, failure: result.failure, localTime: new Date((sentAt + Date.now()) / 2) });
    };
    const req = request({ createConnection: () => tls, host, port, method: 'GET', path: '/healthz', headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        try {
          done({ status: res.statusCode, health: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReportedHealth });
        } catch {
          done({ status: res.statusCode, failure: 'GET /healthz answered something that is not JSON' });
        }
      });
      res.on('error', (failure) => done({ failure: failure.message }));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      done({ failure: `no answer to GET /healthz within ${timeoutMs} ms after the handshake` });
    });
    // In TLS 1.3 the server judges our certificate after the client's handshake is done: its refusal arrives here.
    req.on('error', (failure) => done({ failure: failure.message }));
    req.end();
  });
}

/** Resolves undefined on `event`, or with the error or 'timeout', whichever comes first. */
function step(socket: Socket, event: 'connect' | 'secureConnect', timeoutMs: number): Promise<Error | 'timeout' | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    const onError = (failure: Error) => finish(failure);
    const onEvent = () => finish(undefined);
    function finish(result: Error | 'timeout' | undefined) {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off(event, onEvent);
      // A late error after we gave up must not crash the doctor.
      if (result !== undefined) socket.on('error', () => undefined);
      resolve(result);
    }
    socket.once('error', onError);
    socket.once(event, onEvent);
  });
}
