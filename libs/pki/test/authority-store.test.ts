import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs = require('node:fs');
import {
  authorityFiles,
  createIntermediate,
  createRoot,
  introduceNextAuthority,
  markPublished,
  switchToNextAuthority,
  writeAuthority,
  type AuthorityFiles,
} from '@portcullis/pki';
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

/** Runs `change` and looks at the CA after every file-system call it makes; returns the root each look found. */
function watchEveryStep(files: AuthorityFiles, change: () => void): string[] {
  const seen: string[] = [];
  const spies = CHANGES.map((name) => {
    const original = fs[name] as (...args: unknown[]) => unknown;
    return jest.spyOn(fs, name).mockImplementation(((...args: unknown[]) => {
      const result = original.apply(fs, args);
      seen.push(consistentCa(files));
      return result;
    }) as never);
  });
  try {
    change();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return seen;
}

/** The old CA up to one moment, the new one from then on, and nothing else. */
function expectOneSwitch(seen: readonly string[], before: string, after: string): void {
  expect(after).not.toBe(before);
  const firstNew = seen.indexOf(after);
  expect(firstNew).toBeGreaterThan(0);
  expect(seen.slice(0, firstNew).every((root) => root === before)).toBe(true);
  expect(seen.slice(firstNew).every((root) => root === after)).toBe(true);
}

describe('the CA on disk', () => {
  it('is one whole CA, old or new, at every point of the switch', async () => {
    const certs = await tempCerts();
    try {
      const files = authorityFiles(certs.dir);
      const now = new Date();
      await introduceNextAuthority(certs.manifest, certs.dir, now);
      markPublished(certs.dir, now);
      const before = consistentCa(files);
      const seen = watchEveryStep(files, () => switchToNextAuthority(certs.dir, 0, now));
      expect(seen.length).toBeGreaterThan(10);
      expectOneSwitch(seen, before, consistentCa(files));
    } finally {
      certs.remove();
    }
  });

  it('is one whole CA at every point of the first change to a CA written as plain files', async () => {
    const certs = await tempCerts();
    try {
      const files = authorityFiles(certs.dir);
      // The layout before versioned CA files: four plain files.
      for (const file of [files.rootCert, files.rootKey, files.intermediateCert, files.intermediateKey]) {
        const content = fs.readFileSync(file);
        fs.rmSync(file);
        fs.writeFileSync(file, content, { mode: 0o600 });
      }
      const before = consistentCa(files);
      const root = await createRoot(certs.manifest, new Date());
      const intermediate = await createIntermediate(certs.manifest, root, new Date());
      const seen = watchEveryStep(files, () => writeAuthority(files, { root, intermediate }));
      expectOneSwitch(seen, before, consistentCa(files));
      expect(fs.lstatSync(files.rootKey).isSymbolicLink()).toBe(true);
    } finally {
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
