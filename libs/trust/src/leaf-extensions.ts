import type forge from 'node-forge';

// Only forge's ASN.1 decoder and its table of OID names (`lib/asn1` and `lib/oids`), not the whole
// library with its ciphers, RSA and PKCS#12: every service carries this module in memory.
// The options form of `fromDer` (node-forge >= 0.10) is missing from its type definitions.
const asn1 = require('node-forge/lib/asn1') as typeof forge.asn1 & { fromDer(bytes: string, options: { readonly decodeBitStrings: boolean }): forge.asn1.Asn1 };
const oidNames = require('node-forge/lib/oids') as Readonly<Record<string, string>>;

/**
 * The two extensions the X509-SVID rules are about, read from the
 * certificate's DER. Node's `X509Certificate` exposes neither: `ca` is
 * OpenSSL's derived verdict (false for `cA=TRUE` without keyCertSign) and
 * there is no key usage or "is basicConstraints present" at all.
 *
 * Why node-forge's ASN.1 decoder: it is already the mesh CA's library, and
 * measured on a mesh leaf it costs about 9 µs (decoding the whole DER, then
 * forge's own extension decoder), against about 350 µs for
 * @peculiar/asn1-x509 (asn1js). This runs on every client handshake and once
 * per server connection, where 350 µs would cost more than the RSA signature.
 * Only forge's raw ASN.1 layer is used: its `certificateFromAsn1` also builds
 * the public key and takes about 130 µs. The two extensions' values are read
 * here (RFC 5280 4.2.1.3 and 4.2.1.9), a few bytes each.
 */
export interface LeafExtensions {
  /** Absent when the certificate has no basicConstraints extension. */
  readonly basicConstraints?: { readonly cA: boolean };
  /** Absent when the certificate has no keyUsage extension. */
  readonly keyUsage?: { readonly digitalSignature: boolean; readonly keyCertSign: boolean; readonly cRLSign: boolean };
  /** Extension names (or OIDs) that appear more than once, which RFC 5280 forbids. */
  readonly repeated: readonly string[];
}

const EXTENSIONS_TAG = 3; // tbsCertificate's `extensions [3] EXPLICIT`
const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';

/** Reads basicConstraints and keyUsage from a DER certificate; throws when the DER cannot be decoded. */
export function leafExtensions(der: Buffer): LeafExtensions {
  // Bit strings are left as bytes: decoding them as nested ASN.1 (forge's default) is wasted work here.
  const certificate = asn1.fromDer(der.toString('binary'), { decodeBitStrings: false });
  const tbs = children(certificate)[0];
  const wrapper = children(tbs).find((node) => node.tagClass === asn1.Class.CONTEXT_SPECIFIC && node.type === EXTENSIONS_TAG);
  const extensions = wrapper ? children(children(wrapper)[0]) : [];

  const seen = new Set<string>();
  const repeated: string[] = [];
  let basicConstraints: LeafExtensions['basicConstraints'];
  let keyUsage: LeafExtensions['keyUsage'];
  for (const node of extensions) {
    // Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    const fields = children(node);
    const id = asn1.derToOid(fields[0]!.value as string);
    const value = fields.at(-1)!.value as string;
    const name = oidNames[id] ?? id;
    if (seen.has(name)) repeated.push(name);
    seen.add(name);
    if (id === BASIC_CONSTRAINTS) basicConstraints = { cA: isCa(value) };
    if (id === KEY_USAGE) keyUsage = keyUsageOf(value);
  }
  return { ...(basicConstraints ? { basicConstraints } : {}), ...(keyUsage ? { keyUsage } : {}), repeated };
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error('the certificate is not a DER SEQUENCE where X.509 puts one');
  return node.value;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
function isCa(der: string): boolean {
  const [first] = children(asn1.fromDer(der, { decodeBitStrings: false }));
  return first?.type === asn1.Type.BOOLEAN && (first.value as string).charCodeAt(0) !== 0;
}

/** KeyUsage ::= BIT STRING { digitalSignature (0), ..., keyCertSign (5), cRLSign (6), ... }: bit 0 is the first byte's highest. */
function keyUsageOf(der: string): NonNullable<LeafExtensions['keyUsage']> {
  const bits = asn1.fromDer(der, { decodeBitStrings: false }).value as string;
  // The first byte counts the unused bits at the end; the flags start in the second.
  const flags = bits.length > 1 ? bits.charCodeAt(1) : 0;
  return { digitalSignature: (flags & 0x80) !== 0, keyCertSign: (flags & 0x04) !== 0, cRLSign: (flags & 0x02) !== 0 };
}
