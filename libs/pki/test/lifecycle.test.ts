import { X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  authorityFiles,
  type AuthorityFiles,
  bundleFingerprints,
  introduceNextAuthority,
  issueMeshCertificates,
  markPublished,
  retirePreviousAuthority,
  revokeCurrentCertificate,
  rotationState,
  switchToNextAuthority,
  withAuthorityLock,
} from '@portcullis/pki';
import { DENY_LIST_GRACE_MS, identityFiles, parseDenyList } from '@portcullis/layout';
import { tempCerts } from '../../../test-support/temp-mesh';
import { identityOf } from '../../../test-support/tls-server';

const leafOf = (certsDir: string, name: string) => new X509Certificate(readFileSync(identityFiles(certsDir, name).cert));
/**
 * An RSA key for every workload, twice, and two CAs: seconds on a busy two-core machine, more with every
 * service the manifest gains, so this test's budget is not jest's default 5 s.
 */
const ISSUES_EVERY_LEAF_TWICE_MS = 60_000;
const actions = (result: Awaited<ReturnType<typeof issueMeshCertificates>>) => [...new Set(result.workloads.map((w) => w.action))];

const OVERLAP = 10 * 60_000;
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);
const intermediateOf = (files: AuthorityFiles) => new X509Certificate(readFileSync(files.intermediateCert));
const signedBy = (certsDir: string, name: string, intermediate: X509Certificate) => leafOf(certsDir, name).verify(intermediate.publicKey);

describe('rotating the root CA', () => {
  it('trusts both roots, then reissues every leaf under the new one, then trusts only the new one', async () => {
    const certs = await tempCerts();
    try {
      const files = authorityFiles(certs.dir);
      const oldRoot = readFileSync(files.rootCert, 'utf8');
      const oldSerial = leafOf(certs.dir, 'orders').serialNumber;
      const t0 = new Date();

      await introduceNextAuthority(certs.manifest, certs.dir, t0);
      expect(actions(await issueMeshCertificates(certs.manifest, certs.dir))).toEqual(['republished']);
      markPublished(certs.dir, t0);
      const both = identityOf(certs.manifest, certs.dir, 'orders');
      expect(both.bundle).toHaveLength(2);
      expect(both.leaf.serialNumber).toBe(oldSerial);

      switchToNextAuthority(certs.dir, OVERLAP, at(t0, OVERLAP));
      const switched = await issueMeshCertificates(certs.manifest, certs.dir);
      expect(switched.workloads.every((w) => w.action === 'issued' && w.reason === 'signed by an older CA')).toBe(true);
      markPublished(certs.dir, at(t0, OVERLAP));
      const newRoot = readFileSync(files.rootCert, 'utf8');
      expect(newRoot).not.toBe(oldRoot);
      expect(identityOf(certs.manifest, certs.dir, 'orders').bundle).toHaveLength(2);

      retirePreviousAuthority(certs.dir, OVERLAP, at(t0, 2 * OVERLAP));
      expect(actions(await issueMeshCertificates(certs.manifest, certs.dir))).toEqual(['republished']);
      const after = identityOf(certs.manifest, certs.dir, 'orders');
      expect(after.bundle.map((root) => root.fingerprint256)).toEqual(bundleFingerprints(newRoot));
      expect(after.leaf.serialNumber).not.toBe(oldSerial);
      expect(actions(await issueMeshCertificates(certs.manifest, certs.dir))).toEqual(['kept']);
      expect(rotationState(certs.dir)).toEqual({ phase: 'idle' });
    } finally {
      certs.remove();
    }
  });

  it('issues no leaf under the new root before the overlap after its publication has passed', async () => {
    const certs = await tempCerts();
    try {
      const files = authorityFiles(certs.dir);
      const t0 = new Date();
      await introduceNextAuthority(certs.manifest, certs.dir, t0);
      const [current, next] = [intermediateOf(files), intermediateOf(authorityFiles(certs.dir, files.next))];
      // Not published yet: no overlap has started, so no time is early enough or late enough.
      expect(() => switchToNextAuthority(certs.dir, OVERLAP, at(t0, 10 * OVERLAP))).toThrow(
        expect.objectContaining({ code: 'PORTCULLIS_ERR_ROTATION_TOO_EARLY' }),
      );
      await issueMeshCertificates(certs.manifest, certs.dir);
      markPublished(certs.dir, t0);

      expect(() => switchToNextAuthority(certs.dir, OVERLAP, at(t0, OVERLAP - 1_000))).toThrow(`only from ${at(t0, OVERLAP).toISOString()}`);
      // A renewal round during the overlap (even one forcing every leaf) stays with the current CA and keeps both roots.
      await issueMeshCertificates(certs.manifest, certs.dir, { force: true });
      const everyone = [...certs.manifest.services.keys(), ...certs.manifest.clients.keys()];
      expect(everyone.every((name) => signedBy(certs.dir, name, current) && !signedBy(certs.dir, name, next))).toBe(true);
      expect(identityOf(certs.manifest, certs.dir, 'gateway').bundle).toHaveLength(2);
      expect(rotationState(certs.dir)).toEqual({ phase: 'introduced', publishedAt: t0 });

      switchToNextAuthority(certs.dir, OVERLAP, at(t0, OVERLAP));
      await issueMeshCertificates(certs.manifest, certs.dir);
      expect(everyone.every((name) => signedBy(certs.dir, name, next))).toBe(true);
    } finally {
      certs.remove();
    }
  });

  it('keeps trusting the old root until the overlap after the switch has passed', async () => {
    const certs = await tempCerts();
    try {
      const t0 = new Date();
      await introduceNextAuthority(certs.manifest, certs.dir, t0);
      await issueMeshCertificates(certs.manifest, certs.dir);
      markPublished(certs.dir, t0);
      const t1 = at(t0, OVERLAP);
      switchToNextAuthority(certs.dir, OVERLAP, t1);
      await issueMeshCertificates(certs.manifest, certs.dir);
      markPublished(certs.dir, t1);

      expect(() => retirePreviousAuthority(certs.dir, OVERLAP, at(t1, OVERLAP - 1_000))).toThrow(`only from ${at(t1, OVERLAP).toISOString()}`);
      await issueMeshCertificates(certs.manifest, certs.dir, { force: true });
      expect(identityOf(certs.manifest, certs.dir, 'gateway').bundle).toHaveLength(2);
      expect(rotationState(certs.dir)).toEqual({ phase: 'switched', publishedAt: t1 });
      // Nor may a new rotation start on top of this one.
      await expect(introduceNextAuthority(certs.manifest, certs.dir)).rejects.toMatchObject({ code: 'PORTCULLIS_ERR_ROTATION_OUT_OF_ORDER' });

      retirePreviousAuthority(certs.dir, OVERLAP, at(t1, OVERLAP));
      await issueMeshCertificates(certs.manifest, certs.dir);
      expect(identityOf(certs.manifest, certs.dir, 'gateway').bundle).toHaveLength(1);
    } finally {
      certs.remove();
    }
  });

  it(
    'resumes a switch interrupted between its swap and its cleanup, and restarts the overlap it had not recorded',
    async () => {
      const certs = await tempCerts();
      try {
        const files = authorityFiles(certs.dir);
        const t0 = new Date();
        await introduceNextAuthority(certs.manifest, certs.dir, t0);
        markPublished(certs.dir, t0);
        cpSync(files.next, `${files.next}.copy`, { recursive: true, verbatimSymlinks: true });
        switchToNextAuthority(certs.dir, OVERLAP, at(t0, OVERLAP));
        // What a crash right after the swap leaves: ca/next/ still there, holding the CA that is now current.
        renameSync(`${files.next}.copy`, files.next);
        expect(rotationState(certs.dir)).toEqual({ phase: 'switched' });

        // The renewer's round in this state issues under the (new) current CA and keeps both roots.
        await issueMeshCertificates(certs.manifest, certs.dir);
        expect(identityOf(certs.manifest, certs.dir, 'orders').bundle).toHaveLength(2);
        expect(() => retirePreviousAuthority(certs.dir, OVERLAP, at(t0, 10 * OVERLAP))).toThrow(
          expect.objectContaining({ code: 'PORTCULLIS_ERR_ROTATION_TOO_EARLY' }),
        );

        switchToNextAuthority(certs.dir, OVERLAP, at(t0, OVERLAP));
        expect(existsSync(files.next)).toBe(false);
        const t1 = at(t0, 2 * OVERLAP);
        markPublished(certs.dir, t1);
        expect(rotationState(certs.dir)).toEqual({ phase: 'switched', publishedAt: t1 });
        retirePreviousAuthority(certs.dir, OVERLAP, at(t1, OVERLAP));
        expect(rotationState(certs.dir)).toEqual({ phase: 'idle' });
      } finally {
        certs.remove();
      }
    },
    ISSUES_EVERY_LEAF_TWICE_MS,
  );
});

describe('revoking a certificate', () => {
  it('puts its serial on every workload deny list and gives the workload a fresh certificate', async () => {
    const certs = await tempCerts();
    try {
      const serial = revokeCurrentCertificate(certs.dir, 'partner');
      const result = await issueMeshCertificates(certs.manifest, certs.dir);
      expect(result.workloads.find((w) => w.name === 'partner')).toEqual(expect.objectContaining({ action: 'issued', reason: 'revoked' }));
      expect(result.workloads.filter((w) => w.name !== 'partner').every((w) => w.action === 'republished')).toBe(true);
      expect(identityOf(certs.manifest, certs.dir, 'gateway').revoked).toEqual(new Set([serial]));
      expect(leafOf(certs.dir, 'partner').serialNumber).not.toBe(serial);
    } finally {
      certs.remove();
    }
  });

  it('drops the entry from every deny list once its certificate has been expired for the grace period, and keeps hand-written entries', async () => {
    const certs = await tempCerts();
    try {
      const expires = leafOf(certs.dir, 'partner').validToDate.getTime();
      const serial = revokeCurrentCertificate(certs.dir, 'partner');
      writeFileSync(authorityFiles(certs.dir).revoked, `${readFileSync(authorityFiles(certs.dir).revoked, 'utf8')}0A0B0C # by hand\n`);
      const published = async (at: number) => {
        await issueMeshCertificates(certs.manifest, certs.dir, { now: new Date(at) });
        return parseDenyList(readFileSync(identityFiles(certs.dir, 'gateway').revoked, 'utf8'));
      };
      expect(await published(Date.now())).toEqual(new Set([serial, '0A0B0C']));
      expect(await published(expires + DENY_LIST_GRACE_MS - 60_000)).toEqual(new Set([serial, '0A0B0C']));
      expect(await published(expires + DENY_LIST_GRACE_MS)).toEqual(new Set(['0A0B0C']));
      expect(readFileSync(authorityFiles(certs.dir).revoked, 'utf8')).toBe('0A0B0C # by hand\n');
    } finally {
      certs.remove();
    }
  });

  it('stops a workload from starting with its revoked certificate', async () => {
    const certs = await tempCerts();
    try {
      const serial = revokeCurrentCertificate(certs.dir, 'orders');
      // Publish the list to everyone but keep orders' revoked certificate in place.
      await issueMeshCertificates(certs.manifest, certs.dir, { only: ['gateway'] });
      const list = readFileSync(identityFiles(certs.dir, 'gateway').revoked, 'utf8');
      writeFileSync(identityFiles(certs.dir, 'orders').revoked, list);
      expect(() => identityOf(certs.manifest, certs.dir, 'orders')).toThrow(expect.objectContaining({ code: 'PORTCULLIS_ERR_IDENTITY_REVOKED' }));
      expect(() => identityOf(certs.manifest, certs.dir, 'orders')).toThrow(`(serial ${serial})`);
    } finally {
      certs.remove();
    }
  });
});

describe('the CA lock', () => {
  it('lets one writer at a time change the CA', async () => {
    const certs = await tempCerts();
    try {
      const events: string[] = [];
      const writer = (name: string) =>
        withAuthorityLock(certs.dir, async () => {
          events.push(`${name} in`);
          await new Promise((resolve) => setTimeout(resolve, 100));
          events.push(`${name} out`);
        });
      await Promise.all([writer('a'), writer('b')]);
      expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
    } finally {
      certs.remove();
    }
  });

  it('takes over a lock whose holder died, once, and never moves a fresh lock away', async () => {
    const certs = await tempCerts();
    try {
      const lock = join(certs.dir, 'ca', '.lock');
      mkdirSync(lock);
      writeFileSync(join(lock, 'owner'), 'a process that died');
      const longAgo = new Date(Date.now() - 3 * 60_000);
      utimesSync(lock, longAgo, longAgo);
      const staleInode = statSync(lock).ino;

      await withAuthorityLock(certs.dir, async () => {
        // Held now by this writer. A second waiter that saw the dead one's lock as stale a moment ago
        // tries to move it aside under the same name: the name is taken, and the fresh lock stays.
        expect(() => renameSync(lock, `${lock}.stale-${staleInode}`)).toThrow(/ENOTEMPTY|EEXIST/);
        expect(readFileSync(join(lock, 'owner'), 'utf8')).not.toBe('a process that died');
      });
      expect(existsSync(lock)).toBe(false);
    } finally {
      certs.remove();
    }
  });
});
