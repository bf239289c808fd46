/**
 * Why a call to a peer produced no usable answer. Each kind is a stable error code
 * (`PORTCULLIS_ERR_CALL_<KIND>`, as fastify names its `FST_ERR_*`), a metric label and a log field:
 * tests and dashboards match on these, never on the sentence.
 */
export const MESH_CALL_FAILURES = [
  'connect_timeout', // no TCP or TLS connection within the connect timeout: a hung peer or a dropped port
  'connect_refused', // nothing listens at the peer's address
  'handshake_refused', // the TLS handshake failed: the peer refused our certificate, or we its
  'identity_mismatch', // the peer's certificate is valid but is not the SPIFFE ID the manifest gives it
  'response_timeout', // connected, but no headers or body within the response timeout
  'deadline', // the whole call, waiting for a free connection included, outlived its deadline
  'connection_lost', // the connection was reset or closed before the answer was complete
  'bad_body', // the peer said JSON and sent something else
  'not_allowed', // this workload's manifest entry does not list the target in its calls
  'unknown_target', // the manifest has no such service
  'closed', // the mesh client was closed
  'other',
] as const;

export type MeshCallFailure = (typeof MESH_CALL_FAILURES)[number];

/** A call to a peer that did not produce a usable answer; the caller's caller gets a 502. */
export class MeshCallError extends Error {
  override readonly name = 'MeshCallError';
  readonly code: `PORTCULLIS_ERR_CALL_${Uppercase<MeshCallFailure>}`;

  constructor(
    readonly target: string,
    readonly kind: MeshCallFailure,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`call to ${target} failed: ${reason}`, options);
    this.code = `PORTCULLIS_ERR_CALL_${kind.toUpperCase() as Uppercase<MeshCallFailure>}`;
  }
}

/** The kind of a failure undici or Node reported for a call that never got its answer. */
export function failureKind(error: unknown): MeshCallFailure {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect_timeout';
  if (code === 'ECONNREFUSED') return 'connect_refused';
  if (code === 'PORTCULLIS_ERR_IDENTITY_MISMATCH') return 'identity_mismatch';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /^(UNABLE_TO_|CERT_|DEPTH_ZERO|SELF_SIGNED)/.test(code)) return 'handshake_refused';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'response_timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'connection_lost';
  return 'other';
}
