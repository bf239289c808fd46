import type { X509Certificate } from 'node:crypto';

export interface SubjectAltNames {
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ips: readonly string[];
}

/**
 * Splits Node's `subjectAltName` text (`DNS:a, IP Address:1.2.3.4, URI:spiffe://...`); values with commas come quoted.
 * Here rather than in the runtime because the CA compares a leaf's names with the manifest's with the same reading.
 */
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
