import type { X509Certificate } from 'node:crypto';

/** The X.509-SVID rules (https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md) this mesh relies on. */

const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export interface SubjectAltNames {
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ips: readonly string[];
}

/** Splits Node's `subjectAltName` text (`DNS:a, IP Address:1.2.3.4, URI:spiffe://...`); values with commas come quoted. */
export function subjectAltNames(cert: Pick<X509Certificate, 'subjectAltName'>): SubjectAltNames {
  const uris: string[] = [];
  const dnsNames: string[] = [];
  const ips: string[] = [];
  const entry = /(DNS|IP Address|URI|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const [, kind, raw] of (cert.subjectAltName ?? '').matchAll(entry)) {
    const value = raw!.startsWith('"') ? (JSON.parse(raw!) as string) : raw!;
    if (kind === 'URI') uris.push(value);
    else if (kind === 'DNS') dnsNames.push(value);
    else if (kind === 'IP Address') ips.push(value);
  }
  return { uris, dnsNames, ips };
}

/** The trust domain of a SPIFFE ID: `spiffe://example.org/service/a` -> `example.org`. */
export function trustDomainOf(id: string): string | undefined {
  return /^spiffe:\/\/([^/]+)\//.exec(id)?.[1];
}

export type SvidRole = 'client' | 'server';

/**
 * Why `cert` is not a usable X509-SVID leaf for `role` in `trustDomain`, or
 * undefined when it is. Chain validity is OpenSSL's job; these are the rules
 * OpenSSL does not know about.
 */
export function svidProblem(cert: X509Certificate, role: SvidRole, trustDomain: string): string | undefined {
  if (cert.ca) return 'it is a CA certificate, not a leaf';
  const uris = subjectAltNames(cert).uris;
  const spiffe = uris.filter((uri) => uri.startsWith('spiffe://'));
  if (uris.length !== 1 || spiffe.length !== 1) {
    return `it has ${spiffe.length} SPIFFE IDs among ${uris.length} URI SANs; an SVID has exactly one URI SAN`;
  }
  const domain = trustDomainOf(spiffe[0]!);
  if (domain !== trustDomain) return `${spiffe[0]} is from trust domain ${domain ?? '(none)'}, not ${trustDomain}`;
  const usage = cert.keyUsage ?? [];
  const wanted = role === 'client' ? OID_CLIENT_AUTH : OID_SERVER_AUTH;
  if (!usage.includes(wanted)) return `it lacks the ${role}Auth extended key usage`;
  return undefined;
}

/** The SPIFFE ID of an SVID leaf (its single `spiffe://` URI SAN), or undefined. */
export function spiffeIdOf(cert: X509Certificate): string | undefined {
  const spiffe = subjectAltNames(cert).uris.filter((uri) => uri.startsWith('spiffe://'));
  return spiffe.length === 1 ? spiffe[0] : undefined;
}
