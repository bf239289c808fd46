import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs = require('node:fs');
import { authorityFiles, introduceNextAuthority, markPublished, switchToNextAuthority, type AuthorityFiles } from '@portcullis/pki';
import { tempCerts } from '../../../test-support/temp-mesh';

/** Whether the CA a reader finds under the visible names right now is one CA: each key with its certificate, the intermediate under the root. */
function consistentCa(files: AuthorityFiles): string {
  const read = (file: string) => fs.readFileSync(file, 'utf8');
  const root = new X509Certificate(read(files.rootCert));
  const intermediate = new X509Certificate(read(files.intermediateCert));
  if (!root.checkPrivateKey(createPrivateKey(read(files.rootKey)))) throw new Error('root.key does not belong to root.crt');
  if (!intermediate.checkPrivateKey(createPrivateKey(read(files.intermediateKey)))) throw new Error('intermediate.key does not belong to intermediate.crt');
  if (!intermediate.verify(root.publicKey)) throw new Error('intermediate.crt is not signed by root.crt');
  return root.fingerprint256;
}

/** The file-system calls by which a CA changes on disk; between any two of them a reader may look. */
const CHANGES = ['renameSync', 'symlinkSync', 'rmSync', 'writeFileSync', 'mkdirSync', 'unlinkSync'] as const;

describe('the CA on disk', () => {
  it('is one whole CA, old or new, at every point of the switch', async () => {
    const certs = await tempCerts();
    const spies: jest.SpyInstance[] = [];
    try {
      const files = authorityFiles(certs.dir);
      const now = new Date();
      await introduceNextAuthority(certs.manifest, certs.dir, now);
      markPublished(certs.dir, now);
      const before = consistentCa(files);

      const seen: string[] = [];
      let changes = 0;
      for (const name of CHANGES) {
        const original = fs[name] as (...args: unknown[]) => unknown;
        spies.push(
          jest.spyOn(fs, name).mockImplementation(((...args: unknown[]) => {
            const result = original.apply(fs, args);
            changes++;
            seen.push(consistentCa(files));
            return result;
          }) as never),
        );
      }
      switchToNextAuthority(certs.dir, 0, now);
      for (const spy of spies) spy.mockRestore();

      const after = consistentCa(files);
      expect(after).not.toBe(before);
      // Every change was looked behind; the reader saw the old CA up to one moment and the new one from then on.
      expect(changes).toBeGreaterThan(10);
      expect(seen).toHaveLength(changes);
      const firstNew = seen.indexOf(after);
      expect(firstNew).toBeGreaterThan(0);
      expect(seen.slice(0, firstNew).every((root) => root === before)).toBe(true);
      expect(seen.slice(firstNew).every((root) => root === after)).toBe(true);
    } finally {
      for (const spy of spies) spy.mockRestore();
      certs.remove();
    }
  });

  it('keeps its files behind a ..data link, so one rename switches all four', async () => {
    const certs = await tempCerts();
    try {
      const files = authorityFiles(certs.dir);
      for (const file of [files.rootCert, files.rootKey, files.intermediateCert, files.intermediateKey]) {
        expect(fs.lstatSync(file).isSymbolicLink()).toBe(true);
        expect(fs.readlinkSync(file)).toMatch(/^\.\.data\//);
      }
      expect(fs.statSync(files.rootKey).mode & 0o777).toBe(0o600);
    } finally {
      certs.remove();
    }
  });
});
