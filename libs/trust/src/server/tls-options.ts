import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { TlsVersion } from '@portcullis/manifest';
import type { Identity } from '../identity';

/** TLS 1.2 is only offered when the manifest asks for it, and then only with forward secrecy and AEAD. */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/**
 * Everything a secure context needs, rebuilt whole on every identity change:
 * `setSecureContext` replaces the context, and any field left out (`ca`,
 * `minVersion`, `ciphers`) would silently be lost.
 */
export function secureContextOptions(identity: Identity, minVersion: TlsVersion): SecureContextOptions {
  return {
    key: identity.keyPem,
    cert: identity.chainPem,
    // The mesh bundle only: giving `ca` replaces Node's default roots, so the
    // system store (and NODE_EXTRA_CA_CERTS) can never vouch for a peer.
    ca: identity.bundlePem,
    minVersion,
    maxVersion: 'TLSv1.3',
    ...(minVersion === 'TLSv1.2' ? { ciphers: TLS12_CIPHERS, honorCipherOrder: true } : {}),
  };
}

/** The server side: every client must present a certificate that chains to the mesh bundle. */
export function serverTlsOptions(identity: Identity, minVersion: TlsVersion): TlsOptions {
  return { ...secureContextOptions(identity, minVersion), requestCert: true, rejectUnauthorized: true };
}
