import { randomBytes, sign } from 'node:crypto';
import forge from 'node-forge';
import { AuthorityError } from './errors';

/** The issuer of a certificate: its certificate and private key, as PEM. */
export interface Issuer {
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * Everything that goes into one certificate. The presets in `profiles.ts`
 * fill this in for the mesh; tests use it directly to forge hostile
 * certificates (no EKU, two URI SANs, a CA posing as a leaf, ...).
 */
export interface CertificateSpec {
  readonly commonName: string;
  readonly publicKeyPem: string;
  /** Omit for a self-signed certificate, which then needs `selfSignKeyPem`. */
  readonly issuer?: Issuer;
  readonly selfSignKeyPem?: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCA: boolean;
  readonly pathLength?: number;
  readonly uris?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
  readonly extKeyUsage?: readonly ('serverAuth' | 'clientAuth')[];
  /** Defaults to keyCertSign + cRLSign for a CA and digitalSignature for a leaf. */
  readonly keyUsage?: readonly ('digitalSignature' | 'keyCertSign' | 'cRLSign')[];
  /** Leave basicConstraints out altogether (only forged test certificates do: every SVID must state cA). */
  readonly withoutBasicConstraints?: boolean;
}

const SAN_URI = 6;
const SAN_DNS = 2;
const SAN_IP = 7;

/** Signs a certificate with SHA-256 (node-forge defaults to SHA-1) and returns it as PEM. */
export function signCertificate(spec: CertificateSpec): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject([
    { name: 'commonName', value: spec.commonName },
    { name: 'organizationName', value: 'Portcullis' },
  ]);

  const issuerCert = spec.issuer ? forge.pki.certificateFromPem(spec.issuer.certPem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : cert.subject.attributes);
  const signingKeyPem = spec.issuer?.keyPem ?? spec.selfSignKeyPem;
  if (!signingKeyPem)
    throw new AuthorityError('PORTCULLIS_ERR_CERTIFICATE_SPEC', `certificate for ${spec.commonName} has neither an issuer nor a self-signing key`);

  const altNames = [
    ...(spec.uris ?? []).map((value) => ({ type: SAN_URI, value })),
    ...(spec.dnsNames ?? []).map((value) => ({ type: SAN_DNS, value })),
    ...(spec.ips ?? []).map((ip) => ({ type: SAN_IP, ip })),
  ];
  const extKeyUsage = spec.extKeyUsage ?? [];
  const keyUsage = spec.keyUsage ?? (spec.isCA ? ['keyCertSign', 'cRLSign'] : ['digitalSignature']);
  cert.setExtensions([
    ...(spec.withoutBasicConstraints
      ? []
      : [{ name: 'basicConstraints', cA: spec.isCA, critical: true, ...(spec.pathLength === undefined ? {} : { pathLenConstraint: spec.pathLength }) }]),
    { name: 'keyUsage', critical: true, ...Object.fromEntries(keyUsage.map((usage) => [usage, true])) },
    ...(extKeyUsage.length > 0
      ? [{ name: 'extKeyUsage', serverAuth: extKeyUsage.includes('serverAuth'), clientAuth: extKeyUsage.includes('clientAuth') }]
      : []),
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', critical: spec.commonName === '', altNames }] : []),
    { name: 'subjectKeyIdentifier' },
    // node-forge's `keyIdentifier: true` writes the subject's own key id, which
    // breaks chain building; the authority key id must be the issuer's.
    { name: 'authorityKeyIdentifier', keyIdentifier: (issuerCert ?? cert).generateSubjectKeyIdentifier().getBytes() },
  ]);
  signWithOpenSsl(cert, signingKeyPem);
  return forge.pki.certificateToPem(cert);
}

/**
 * node-forge builds the certificate; OpenSSL (Node's crypto) makes the
 * signature. forge's pure-JS RSA is fine in plain Node but an order of
 * magnitude slower inside a VM context (jest) and slower than OpenSSL
 * everywhere, and forge's own `sign()` defaults to SHA-1. This is exactly what
 * `cert.sign(key, sha256)` does, with the private-key operation swapped.
 */
function signWithOpenSsl(cert: forge.pki.Certificate, keyPem: string): void {
  const withSignature = cert as forge.pki.Certificate & { tbsCertificate: forge.asn1.Asn1; siginfo: { algorithmOid: string } };
  withSignature.signatureOid = withSignature.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  // getTBSCertificate is public in node-forge but missing from its type definitions.
  const pki = forge.pki as typeof forge.pki & { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 };
  withSignature.tbsCertificate = pki.getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(withSignature.tbsCertificate).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, keyPem).toString('binary');
}

/**
 * 16 random bytes, positive and minimally encoded in DER (RFC 5280 4.1.2.2):
 * the top bit clear, and the next one set so that the first byte is never a
 * redundant zero, which node-forge would write as is and strict parsers reject.
 */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}
