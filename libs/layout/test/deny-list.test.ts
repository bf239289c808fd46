import { DENY_LIST_GRACE_MS, denyListLine, parseDenyList, withoutExpiredEntries } from '@portcullis/layout';

/** The deny list is written by the CA and read by every server: one format, tested where it lives. */
describe('the deny list', () => {
  const expiresAt = new Date('2026-11-25T12:00:00.000Z');
  const line = denyListLine({ serial: '0A1B', workload: 'orders', reason: 'key leaked', revokedAt: new Date('2026-11-25T10:00:00.000Z'), expiresAt });

  it('reads back the serials the CA writes, ignoring comments and case', () => {
    expect(line).toBe('0A1B # orders, key leaked, revoked 2026-11-25T10:00:00.000Z, expires 2026-11-25T12:00:00.000Z');
    expect(parseDenyList(`${line}\n  0c0d  # by hand\n\n# only a comment\n`)).toEqual(new Set(['0A1B', '0C0D']));
  });

  it('drops an entry only once its certificate has been expired for the grace period', () => {
    const text = `${line}\n0C0D # by hand\n`;
    const justBefore = new Date(expiresAt.getTime() + DENY_LIST_GRACE_MS - 1);
    expect(withoutExpiredEntries(text, justBefore)).toBe(text);
    const pruned = withoutExpiredEntries(text, new Date(expiresAt.getTime() + DENY_LIST_GRACE_MS));
    // An entry that does not say when it expires stays: the list fails closed.
    expect(parseDenyList(pruned)).toEqual(new Set(['0C0D']));
  });
});
