/**
 * What the CA refused to do, as a stable code (like fastify's `FST_ERR_*`): callers and tests match
 * on the code; the message, one sentence naming the file and the fix, is for the operator.
 */
export type AuthorityErrorCode =
  | 'PORTCULLIS_ERR_CA_INCOMPLETE' // a CA directory without its four files
  | 'PORTCULLIS_ERR_CA_UNUSABLE' // a CA certificate or key that cannot be read or parsed
  | 'PORTCULLIS_ERR_CA_KEY_MISMATCH' // a CA key that does not belong to its certificate
  | 'PORTCULLIS_ERR_CA_ROOT_EXPIRED' // the trust anchor expired: only a new CA helps
  | 'PORTCULLIS_ERR_CA_LOCKED' // another writer of the CA holds its lock for too long
  | 'PORTCULLIS_ERR_ROTATION_OUT_OF_ORDER' // a rotation step asked for before the one it follows
  | 'PORTCULLIS_ERR_ROTATION_TOO_EARLY' // a rotation step asked for within the overlap of the previous one
  | 'PORTCULLIS_ERR_NOTHING_TO_REVOKE' // a workload without a certificate
  | 'PORTCULLIS_ERR_CERTIFICATE_SPEC'; // a certificate asked for with neither an issuer nor its own key

export class AuthorityError extends Error {
  override readonly name = 'AuthorityError';

  constructor(
    readonly code: AuthorityErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
