import type { X509Certificate } from 'node:crypto';
import { subjectAltNames } from '@portcullis/layout';
import { leafExtensions, type LeafExtensions } from './leaf-extensions';

/** The X.509-SVID rules (https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md) this mesh relies on. */

const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** The trust domain of a SPIFFE ID: `spiffe://example.org/service/a` -> `example.org`. */
export function trustDomainOf(id: string): string | undefined {
  return /^spiffe:\/\/([^/]+)\//.exec(id)?.[1];
}

export type SvidRole = 'client' | 'server';

/** What the manifest says a leaf must be: from which trust domain, and for how long at most. */
export interface SvidRules {
  readonly trustDomain: string;
  /** The manifest's `certificates.leafLifetime`. */
  readonly leafLifetimeMs: number;
}

/**
 * How much longer than the manifest's leaf lifetime a leaf may be valid. The
 * mesh CA backdates every leaf by 5 minutes (CLOCK_SKEW_MS in
 * libs/pki/src/profiles.ts), so its leaves live exactly lifetime + 5 min; the
 * other 5 minutes leave room for an issuer that backdates a little more (or
 * rounds its times), while a leaf minted to outlive the rotation policy by
 * more than that is refused.
 */
export const LEAF_LIFETIME_MARGIN_MS = 10 * 60_000;

/** The SVID rules of a manifest. */
export function svidRules(manifest: { readonly trustDomain: string; readonly certificates: { readonly leafLifetimeMs: number } }): SvidRules {
  return { trustDomain: manifest.trustDomain, leafLifetimeMs: manifest.certificates.leafLifetimeMs };
}

/**
 * Why `cert` is not a usable X509-SVID leaf for `role` under `rules`, or
 * undefined when it is. Chain validity is OpenSSL's job; these are the rules
 * OpenSSL does not know about, read from the certificate's own extensions
 * rather than OpenSSL's derived flags.
 */
export function svidProblem(cert: X509Certificate, role: SvidRole, rules: SvidRules): string | undefined {
  let extensions: LeafExtensions;
  try {
    extensions = leafExtensions(cert.raw);
  } catch {
    return 'its extensions cannot be decoded';
  }
  const problem = constraintProblem(extensions) ?? lifetimeProblem(cert, rules.leafLifetimeMs);
  if (problem) return problem;
  // OpenSSL's derived verdict as well: it also counts e.g. a Netscape CA cert type, which the extensions above do not cover.
  if (cert.ca) return 'it is a CA certificate, not a leaf';
  const uris = subjectAltNames(cert).uris;
  const spiffe = uris.filter((uri) => uri.startsWith('spiffe://'));
  if (uris.length !== 1 || spiffe.length !== 1) {
    return `it has ${spiffe.length} SPIFFE IDs among ${uris.length} URI SANs; an SVID has exactly one URI SAN`;
  }
  const domain = trustDomainOf(spiffe[0]!);
  if (domain !== rules.trustDomain) return `${spiffe[0]} is from trust domain ${domain ?? '(none)'}, not ${rules.trustDomain}`;
  const usage = cert.keyUsage ?? [];
  const wanted = role === 'client' ? OID_CLIENT_AUTH : OID_SERVER_AUTH;
  if (!usage.includes(wanted)) return `it lacks the ${role}Auth extended key usage`;
  return undefined;
}

/** X509-SVID section 4.1 and 4.3: a leaf says cA=false and may sign, but not certificates or CRLs. */
function constraintProblem({ basicConstraints, keyUsage, repeated }: LeafExtensions): string | undefined {
  if (repeated.length > 0) return `it repeats the ${repeated.join(', ')} extension`;
  if (!basicConstraints) return 'it has no basicConstraints extension; an SVID leaf must state cA=false';
  if (basicConstraints.cA) return 'its basicConstraints say cA=true: it is a CA certificate, not a leaf';
  if (!keyUsage) return 'it has no keyUsage extension; an SVID leaf needs digitalSignature';
  const signing = [keyUsage.keyCertSign && 'keyCertSign', keyUsage.cRLSign && 'cRLSign'].filter(Boolean);
  if (signing.length > 0) return `its key usage has ${signing.join(' and ')}, which only a CA may have`;
  if (!keyUsage.digitalSignature) return 'its key usage lacks digitalSignature';
  return undefined;
}

/** A leaf minted to live longer than the manifest allows outlives rotation: a stolen key would stay useful for its whole life. */
function lifetimeProblem(cert: X509Certificate, leafLifetimeMs: number): string | undefined {
  const lifetimeMs = cert.validToDate.getTime() - cert.validFromDate.getTime();
  if (lifetimeMs <= leafLifetimeMs + LEAF_LIFETIME_MARGIN_MS) return undefined;
  return `it is valid for ${duration(lifetimeMs)}, longer than the manifest's leaf lifetime of ${duration(leafLifetimeMs)}`;
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.floor(minutes / 60);
  if (hours >= 72) return `${Math.round(minutes / 1440)} days`;
  return minutes % 60 === 0 ? `${hours} hours` : `${hours} hours ${minutes % 60} minutes`;
}

/** The SPIFFE ID of an SVID leaf (its single `spiffe://` URI SAN), or undefined. */
export function spiffeIdOf(cert: X509Certificate): string | undefined {
  const spiffe = subjectAltNames(cert).uris.filter((uri) => uri.startsWith('spiffe://'));
  return spiffe.length === 1 ? spiffe[0] : undefined;
}
