/**
 * Why a peer was refused, as one of a few fixed classes. The audit log's
 * summary counts by class, and metrics will label by it: a reason's text can
 * carry serials, names or whatever an attacker's certificate says, a class
 * cannot, so the number of series stays bounded.
 */
export const REFUSAL_CLASSES = [
  'no certificate',
  'unknown CA',
  'expired',
  'not yet valid',
  'revoked',
  'not an SVID',
  'bad certificate',
  'unknown identity',
  'not allowed',
  'no policy',
  'TLS protocol',
  'renegotiation',
  'aborted',
  'other',
] as const;

export type RefusalClass = (typeof REFUSAL_CLASSES)[number];

/**
 * OpenSSL's verify codes and reason strings (what `mesh-server.ts` logs for a
 * handshake: `client certificate refused: CODE`, or the error's short reason),
 * first match wins. Reasons written by this library (`peer.ts`,
 * `authorization.ts`) carry their class with them instead.
 */
const HANDSHAKE_PATTERNS: readonly (readonly [RegExp, RefusalClass])[] = [
  [/did not return a certificate|certificate required|NO_CERTIFICATE/i, 'no certificate'],
  [/CERT_HAS_EXPIRED|certificate expired/i, 'expired'],
  [/CERT_NOT_YET_VALID/i, 'not yet valid'],
  [/CERT_REVOKED|certificate revoked/i, 'revoked'],
  [/UNABLE_TO_GET_ISSUER|SELF_SIGNED|UNABLE_TO_VERIFY_LEAF|CERT_SIGNATURE_FAILURE|unknown ca/i, 'unknown CA'],
  [/INVALID_PURPOSE|UNSUPPORTED_CERTIFICATE_PURPOSE|INVALID_CA|PATH_LENGTH_EXCEEDED/i, 'not an SVID'],
  [/client certificate refused|TOO_WEAK|TOO_SMALL|bad certificate|INVALID_EXTENSION/i, 'bad certificate'],
  [/renegotiation/i, 'renegotiation'],
  [/version|protocol|cipher|http request|handshake failure|alert/i, 'TLS protocol'],
  [/hang up|ECONNRESET|EPIPE|disconnected|timed? ?out|closed/i, 'aborted'],
];

/** The class of a refusal reason written without one (an OpenSSL handshake error). */
export function classifyRefusalReason(reason: string): RefusalClass {
  return HANDSHAKE_PATTERNS.find(([pattern]) => pattern.test(reason))?.[1] ?? 'other';
}
