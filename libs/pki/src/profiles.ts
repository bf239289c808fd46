import type { CertificateSpec, Issuer } from './sign';

/** The three kinds of certificate the mesh CA issues, following the X509-SVID rules. */

const CLOCK_SKEW_MS = 5 * 60_000;

/** Backdated a few minutes so a peer whose clock runs slightly behind still accepts it. */
function validity(now: Date, lifetimeMs: number): Pick<CertificateSpec, 'notBefore' | 'notAfter'> {
  return { notBefore: new Date(now.getTime() - CLOCK_SKEW_MS), notAfter: new Date(now.getTime() + lifetimeMs) };
}

export function rootProfile(trustDomain: string, keyPem: string, publicKeyPem: string, now: Date, lifetimeMs: number): CertificateSpec {
  return {
    commonName: `${trustDomain} root CA ${now.toISOString().slice(0, 10)}`,
    publicKeyPem,
    selfSignKeyPem: keyPem,
    ...validity(now, lifetimeMs),
    isCA: true,
    pathLength: 1,
  };
}

export function intermediateProfile(trustDomain: string, root: Issuer, publicKeyPem: string, now: Date, lifetimeMs: number): CertificateSpec {
  return {
    commonName: `${trustDomain} intermediate CA`,
    publicKeyPem,
    issuer: root,
    ...validity(now, lifetimeMs),
    isCA: true,
    pathLength: 0,
  };
}

export interface LeafNames {
  readonly id: string;
  readonly dnsNames: readonly string[];
  readonly ips: readonly string[];
}

/** An X509-SVID leaf: one SPIFFE URI SAN, not a CA, digitalSignature, serverAuth + clientAuth. */
export function leafProfile(name: string, names: LeafNames, issuer: Issuer, publicKeyPem: string, now: Date, lifetimeMs: number): CertificateSpec {
  return {
    commonName: name,
    publicKeyPem,
    issuer,
    ...validity(now, lifetimeMs),
    isCA: false,
    uris: [names.id],
    dnsNames: names.dnsNames,
    ips: names.ips,
    extKeyUsage: ['serverAuth', 'clientAuth'],
  };
}
