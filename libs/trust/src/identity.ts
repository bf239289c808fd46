import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { accessSync, existsSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { currentVersion, linksThroughData, parseDenyList, pemCertificates, type IdentityFiles } from '@portcullis/layout';
import { spiffeIdOf, svidProblem, type SvidRules } from './svid';

/**
 * A workload's identity as loaded from disk and checked: the private key, the
 * chain it presents, and the bundle it trusts. Immutable: a renewal produces a
 * new Identity (see `source.ts`).
 */
export interface Identity {
  readonly id: string;
  readonly keyPem: string;
  /** Leaf first, then intermediates, as PEM. */
  readonly chainPem: string;
  readonly bundlePem: string;
  readonly leaf: X509Certificate;
  /** The certificate after the leaf in the chain, if any. */
  readonly intermediate: X509Certificate | undefined;
  readonly bundle: readonly X509Certificate[];
  /** The deny list as written (compared on reload), and the serial numbers in it. */
  readonly revokedText: string;
  readonly revoked: ReadonlySet<string>;
}

/** What the manifest expects of a workload's own certificate: its SPIFFE ID, trust domain and longest leaf lifetime. */
export interface IdentityExpectation extends SvidRules {
  /** The SPIFFE ID the manifest gives this workload. */
  readonly id: string;
  /** The command that fixes a bad certificate, quoted in error messages. */
  readonly fix: string;
}

/**
 * What is wrong with an identity, as a stable code (like fastify's `FST_ERR_*`): callers and tests
 * match on the code; the message is for the operator.
 */
export type IdentityErrorCode =
  | 'PORTCULLIS_ERR_IDENTITY_FILE_MISSING'
  | 'PORTCULLIS_ERR_IDENTITY_FILE_UNREADABLE'
  | 'PORTCULLIS_ERR_IDENTITY_NOT_PEM'
  | 'PORTCULLIS_ERR_IDENTITY_KEY_MISMATCH'
  | 'PORTCULLIS_ERR_IDENTITY_EXPIRED'
  | 'PORTCULLIS_ERR_IDENTITY_NOT_YET_VALID'
  | 'PORTCULLIS_ERR_IDENTITY_UNTRUSTED'
  | 'PORTCULLIS_ERR_IDENTITY_NOT_SVID'
  | 'PORTCULLIS_ERR_IDENTITY_WRONG_ID'
  | 'PORTCULLIS_ERR_IDENTITY_REFUSED_BY_OPENSSL'
  | 'PORTCULLIS_ERR_IDENTITY_REVOKED';

/** A certificate, key or bundle that cannot be used. The message is one sentence naming the file and the fix. */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';

  constructor(
    readonly code: IdentityErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Loads and checks a workload's key, chain and bundle together; throws an `IdentityError` on the first problem. */
export function loadIdentity(files: IdentityFiles, expect: IdentityExpectation, now: Date = new Date()): Identity {
  const snapshot = consistentSnapshot(files);
  const chainPem = readText(snapshot.cert, expect, files.cert);
  const keyPem = readText(snapshot.key, expect, files.key);
  const bundlePem = readText(snapshot.bundle, expect, files.bundle);
  const revokedText = readOptional(snapshot.revoked, files.revoked);

  const chain = parseCertificates(chainPem, files.cert, expect);
  const bundle = parseCertificates(bundlePem, files.bundle, expect);
  const leaf = chain[0]!;
  const key = parseKey(keyPem, files.key, expect);

  if (!leaf.checkPrivateKey(key)) {
    fail(
      'PORTCULLIS_ERR_IDENTITY_KEY_MISMATCH',
      `${displayPath(files.key)} does not match the certificate in ${displayPath(files.cert)}; reissue both with "${expect.fix}"`,
    );
  }
  const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  if (leaf.validToDate <= now) {
    fail(
      'PORTCULLIS_ERR_IDENTITY_EXPIRED',
      `${displayPath(files.cert)} expired ${day(leaf.validToDate)} (${ago(now, leaf.validToDate)} ago); renew it with "${expect.fix}"`,
    );
  }
  if (leaf.validFromDate > now) {
    fail(
      'PORTCULLIS_ERR_IDENTITY_NOT_YET_VALID',
      `${displayPath(files.cert)} is not valid until ${day(leaf.validFromDate)}; check this machine's clock or reissue with "${expect.fix}"`,
    );
  }
  const chainProblem = verifyChain(chain, bundle, now);
  if (chainProblem) {
    fail(
      'PORTCULLIS_ERR_IDENTITY_UNTRUSTED',
      `${displayPath(files.cert)} ${chainProblem} in ${displayPath(files.bundle)}; reissue it from the mesh CA with "${expect.fix}"`,
    );
  }
  const svid = svidProblem(leaf, 'server', expect) ?? svidProblem(leaf, 'client', expect);
  if (svid) fail('PORTCULLIS_ERR_IDENTITY_NOT_SVID', `${displayPath(files.cert)} is not a usable SPIFFE certificate: ${svid}; reissue it with "${expect.fix}"`);
  const id = spiffeIdOf(leaf)!;
  if (id !== expect.id) {
    fail('PORTCULLIS_ERR_IDENTITY_WRONG_ID', `${displayPath(files.cert)} is for ${id} but the manifest says ${expect.id}; reissue it with "${expect.fix}"`);
  }
  try {
    // What OpenSSL itself will refuse (a key below its security level, a weak signature) must be
    // found here, not by setSecureContext in the middle of a reload.
    createSecureContext({ key: keyPem, cert: chainPem, ca: bundlePem });
  } catch (error) {
    fail(
      'PORTCULLIS_ERR_IDENTITY_REFUSED_BY_OPENSSL',
      `${displayPath(files.cert)} and ${displayPath(files.key)} are refused by OpenSSL (${(error as Error).message}); reissue them with "${expect.fix}"`,
    );
  }
  const revoked = parseDenyList(revokedText);
  if (revoked.has(leaf.serialNumber)) {
    fail(
      'PORTCULLIS_ERR_IDENTITY_REVOKED',
      `${displayPath(files.cert)} has been revoked (serial ${leaf.serialNumber}); issue a fresh one with "${expect.fix}"`,
    );
  }
  return { id, keyPem, chainPem, bundlePem, leaf, intermediate: chain[1], bundle, revokedText, revoked };
}

/**
 * Why `chain` does not lead to a root of `bundle`, or undefined when it does.
 * OpenSSL checks this again at every handshake; checking here turns a
 * handshake failure at 3 a.m. into an error at start-up.
 */
export function verifyChain(chain: readonly X509Certificate[], bundle: readonly X509Certificate[], now: Date): string | undefined {
  let current = chain[0]!;
  const intermediates = chain.slice(1);
  for (let depth = 0; depth <= intermediates.length; depth++) {
    const issuedBy = (issuer: X509Certificate) => issuer.ca && current.checkIssued(issuer) && current.verify(issuer.publicKey);
    if (bundle.some(issuedBy)) return undefined;
    const next = intermediates.find(issuedBy);
    if (!next) return 'is not signed by any certificate authority';
    if (next.validToDate <= now) return `chains through an intermediate that expired ${next.validToDate.toISOString()}`;
    current = next;
  }
  return 'is not signed by any certificate authority';
}

/**
 * Where to read the three files from so that they belong together. When the
 * directory has Kubernetes' `..data` link (a mounted Secret, or `pnpm mesh
 * certs`), resolve it once and read every file from the version it points to:
 * reading `tls.crt` and then `tls.key` through their own links could straddle
 * an update.
 */
function consistentSnapshot(files: IdentityFiles): Omit<IdentityFiles, 'dir'> {
  const version = currentVersion(files.dir);
  if (version === undefined) return files;
  // Only names that still link through ..data are read from the version; a file put in place of a link is read as it is.
  // A missing one is read from the version too: that gives the same ENOENT-or-content answer.
  const at = (file: string) => (linksThroughData(file) || !existsSync(file) ? join(version, basename(file)) : file);
  return { cert: at(files.cert), key: at(files.key), bundle: at(files.bundle), revoked: at(files.revoked) };
}

/** The deny list: absent means nothing revoked, but one that cannot be read must not mean that (fail closed). */
function readOptional(file: string, shown: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    fail(
      'PORTCULLIS_ERR_IDENTITY_FILE_UNREADABLE',
      `${displayPath(shown)} cannot be read (${code ?? String(error)}); the deny list must be readable, fix the file or reissue with "pnpm mesh certs"`,
    );
  }
}

/** Reads `file`; errors name `shown`, the path the operator knows. */
function readText(file: string, expect: IdentityExpectation, shown = file): string {
  try {
    // The name the operator sees must exist too: deleting tls.key means it is missing.
    if (shown !== file) accessSync(shown);
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail('PORTCULLIS_ERR_IDENTITY_FILE_MISSING', `${displayPath(shown)} is missing; issue it with "${expect.fix}"`);
    if (code === 'EACCES')
      fail(
        'PORTCULLIS_ERR_IDENTITY_FILE_UNREADABLE',
        `${displayPath(shown)} cannot be read by this user; fix its permissions (the key should be 0600 and owned by the service user)`,
      );
    fail(
      'PORTCULLIS_ERR_IDENTITY_FILE_UNREADABLE',
      `${displayPath(shown)} cannot be read (${code ?? String(error)}); check the file or reissue it with "${expect.fix}"`,
    );
  }
}

function parseCertificates(pem: string, file: string, expect: IdentityExpectation): X509Certificate[] {
  const blocks = pemCertificates(pem);
  try {
    if (blocks.length === 0) throw new Error('no PEM block');
    return blocks.map((block) => new X509Certificate(block));
  } catch {
    fail('PORTCULLIS_ERR_IDENTITY_NOT_PEM', `${displayPath(file)} does not hold a PEM certificate; reissue it with "${expect.fix}"`);
  }
}

function parseKey(pem: string, file: string, expect: IdentityExpectation): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    fail('PORTCULLIS_ERR_IDENTITY_NOT_PEM', `${displayPath(file)} does not hold a PEM private key; reissue it with "${expect.fix}"`);
  }
}

function fail(code: IdentityErrorCode, message: string): never {
  throw new IdentityError(code, message);
}

/** Paths relative to the working directory read better in a one-line error; others stay absolute. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function ago(now: Date, then: Date): string {
  const minutes = Math.round((now.getTime() - then.getTime()) / 60_000);
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}
