import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { currentVersion, linksThroughData, replaceDirectoryFiles, type FileToWrite } from '@portcullis/layout';
import type { AuthorityFiles } from './authority-files';
import type { Issuer } from './sign';
import { AuthorityError } from './errors';

/** The CA's signing material: the root and the intermediate it signed. */
export interface AuthorityPair {
  readonly root: Issuer;
  readonly intermediate: Issuer;
}

/**
 * Writes root and intermediate (certificates and keys) as one version, the
 * way identities are written (`replaceDirectoryFiles` in @portcullis/layout): the visible names are links
 * through `..data`, which one rename moves to the new version. A reader, a
 * rotation step or a crash therefore meets the old CA or the new one, never a
 * root certificate from one and a key from the other.
 */
export function writeAuthority(files: AuthorityFiles, pair: AuthorityPair): void {
  // A CA written before its files were versioned has plain files; turning them into links one name at
  // a time while their content changes would pair a new certificate with an old key for a moment.
  // Linking the current content first makes that step harmless, and the real change one swap.
  if (!linksThroughData(files.rootCert) && [files.rootCert, files.rootKey, files.intermediateCert, files.intermediateKey].every((file) => existsSync(file))) {
    const read = (file: string) => readFileSync(file, 'utf8');
    replaceDirectoryFiles(
      files.dir,
      versionFiles(files, {
        root: { certPem: read(files.rootCert), keyPem: read(files.rootKey) },
        intermediate: { certPem: read(files.intermediateCert), keyPem: read(files.intermediateKey) },
      }),
    );
  }
  replaceDirectoryFiles(files.dir, versionFiles(files, pair));
}

/**
 * Root and intermediate as they are now, both read from one version
 * (`..data` resolved once); each undefined when neither its certificate nor
 * its key exists.
 */
export function readAuthority(files: AuthorityFiles): { root: Issuer | undefined; intermediate: Issuer | undefined } {
  // Where the CA's files really are right now: `..data` resolved once, or the directory itself for plain files.
  const version = currentVersion(files.dir) ?? files.dir;
  return { root: readIssuer(files, 'root', version), intermediate: readIssuer(files, 'intermediate', version) };
}

/** Root and intermediate from one version of `files`, both required. */
export function readAuthorityPair(files: AuthorityFiles): AuthorityPair {
  const { root, intermediate } = readAuthority(files);
  if (!root || !intermediate)
    throw new AuthorityError(
      'PORTCULLIS_ERR_CA_INCOMPLETE',
      `${files.dir} has no complete CA (root.crt, root.key, intermediate.crt, intermediate.key); restore it or delete ${files.dir} to start over`,
    );
  return { root, intermediate };
}

/** A CA certificate and key; an error naming the files when they cannot be used together. */
function readIssuer(files: AuthorityFiles, which: 'root' | 'intermediate', version: string): Issuer | undefined {
  const [certFile, keyFile] = which === 'root' ? [files.rootCert, files.rootKey] : [files.intermediateCert, files.intermediateKey];
  const [certPath, keyPath] = [join(version, basename(certFile)), join(version, basename(keyFile))];
  if (!existsSync(certPath) && !existsSync(keyPath)) return undefined;
  const fix = `restore the pair, or delete ${files.dir} to start over with a new CA`;
  let issuer: Issuer;
  let matches: boolean;
  try {
    issuer = { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') };
    matches = new X509Certificate(issuer.certPem).checkPrivateKey(createPrivateKey(issuer.keyPem));
  } catch (error) {
    throw new AuthorityError('PORTCULLIS_ERR_CA_UNUSABLE', `${certFile} or ${keyFile} cannot be used (${(error as Error).message}); ${fix}`, { cause: error });
  }
  if (!matches) throw new AuthorityError('PORTCULLIS_ERR_CA_KEY_MISMATCH', `${keyFile} does not match ${certFile}; ${fix}`);
  return issuer;
}

function versionFiles(files: AuthorityFiles, pair: AuthorityPair): Record<string, FileToWrite> {
  return {
    [basename(files.rootCert)]: { content: pair.root.certPem, mode: 0o644 },
    [basename(files.rootKey)]: { content: pair.root.keyPem, mode: 0o600 },
    [basename(files.intermediateCert)]: { content: pair.intermediate.certPem, mode: 0o644 },
    [basename(files.intermediateKey)]: { content: pair.intermediate.keyPem, mode: 0o600 },
  };
}
