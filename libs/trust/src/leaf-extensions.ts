import forge from 'node-forge';

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
 * the public key and takes about 130 µs.
 */
export interface LeafExtensions {
  /** Absent when the certificate has no basicConstraints extension. */
  readonly basicConstraints?: { readonly cA: boolean };
  /** Absent when the certificate has no keyUsage extension. */
  readonly keyUsage?: { readonly digitalSignature: boolean; readonly keyCertSign: boolean; readonly cRLSign: boolean };
  /** Extension names (or OIDs) that appear more than once, which RFC 5280 forbids. */
  readonly repeated: readonly string[];
}

/** What forge's extension decoder returns for the two extensions read here (its types leave it untyped). */
interface DecodedExtension {
  readonly id: string;
  readonly name?: string;
  readonly cA?: boolean;
  readonly digitalSignature?: boolean;
  readonly keyCertSign?: boolean;
  readonly cRLSign?: boolean;
}

// `certificateExtensionFromAsn1` is public in node-forge but missing from its type definitions.
const pki = forge.pki as typeof forge.pki & { certificateExtensionFromAsn1(ext: forge.asn1.Asn1): DecodedExtension };
// The options form of `fromDer` (node-forge >= 0.10) is missing from its type definitions too.
const asn1 = forge.asn1 as typeof forge.asn1 & { fromDer(bytes: string, options: { readonly decodeBitStrings: boolean }): forge.asn1.Asn1 };
const EXTENSIONS_TAG = 3; // tbsCertificate's `extensions [3] EXPLICIT`

/** Reads basicConstraints and keyUsage from a DER certificate; throws when the DER cannot be decoded. */
export function leafExtensions(der: Buffer): LeafExtensions {
  // Bit strings are left as bytes: decoding them as nested ASN.1 (forge's default) is wasted work here.
  const certificate = asn1.fromDer(der.toString('binary'), { decodeBitStrings: false });
  const tbs = children(certificate)[0];
  const wrapper = children(tbs).find((node) => node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && node.type === EXTENSIONS_TAG);
  const extensions = wrapper ? children(children(wrapper)[0]) : [];

  const seen = new Set<string>();
  const repeated: string[] = [];
  let basicConstraints: LeafExtensions['basicConstraints'];
  let keyUsage: LeafExtensions['keyUsage'];
  for (const node of extensions) {
    const extension = pki.certificateExtensionFromAsn1(node);
    const name = extension.name ?? extension.id;
    if (seen.has(name)) repeated.push(name);
    seen.add(name);
    if (name === 'basicConstraints') basicConstraints = { cA: extension.cA === true };
    if (name === 'keyUsage') {
      keyUsage = {
        digitalSignature: extension.digitalSignature === true,
        keyCertSign: extension.keyCertSign === true,
        cRLSign: extension.cRLSign === true,
      };
    }
  }
  return { ...(basicConstraints ? { basicConstraints } : {}), ...(keyUsage ? { keyUsage } : {}), repeated };
}

function children(node: forge.asn1.Asn1 | undefined): forge.asn1.Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error('the certificate is not a DER SEQUENCE where X.509 puts one');
  return node.value;
}
