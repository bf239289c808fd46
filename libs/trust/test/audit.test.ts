import { AuditLog, jsonLineSink, classifyRefusalReason, REFUSAL_CLASSES, type AuditClock, type Refusal, type RefusalClass } from '@portcullis/trust';

/** A clock that moves only when told, running the callbacks that fall due. */
function manualClock(start = Date.UTC(2026, 10, 25, 12)): AuditClock & { advance(ms: number): void; pending(): number } {
  let now = start;
  let timers: { at: number; callback: () => void }[] = [];
  return {
    now: () => now,
    later: (callback, ms) => void timers.push({ at: now + ms, callback }),
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const next = timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers = timers.filter((timer) => timer !== next);
        now = next.at;
        next.callback();
      }
      now = until;
    },
    pending: () => timers.length,
  };
}

interface Line {
  readonly event: string;
  readonly stage?: string;
  readonly class?: RefusalClass;
  readonly notLogged?: number;
  readonly counts?: readonly { service: string; stage: string; class: RefusalClass; count: number }[];
}

/** Three kinds of refusal, in a fixed rotation: two at the handshake, one per request. */
const KINDS: readonly Refusal[] = [
  { service: 'gateway', stage: 'handshake', reason: 'client certificate refused: UNABLE_TO_GET_ISSUER_CERT_LOCALLY', remoteAddress: '127.0.0.9' },
  { service: 'gateway', stage: 'handshake', reason: 'peer did not return a certificate' },
  {
    service: 'gateway',
    stage: 'request',
    reason: 'partner may not call GET /inventory',
    class: 'not allowed',
    peer: 'spiffe://portcullis.local/client/partner',
  },
];
const KEYS = ['handshake unknown CA', 'handshake no certificate', 'request not allowed'];

describe('the audit log under a flood of refusals', () => {
  it('writes every refusal line by line below the rate, and no summary', () => {
    const clock = manualClock();
    const lines: string[] = [];
    const audit = new AuditLog(
      jsonLineSink((line) => lines.push(line)),
      { clock },
    );
    for (let i = 0; i < 300; i++) {
      audit.refused(KINDS[i % 3]!);
      clock.advance(100); // 10 a second, half the rate
    }
    clock.advance(60_000);
    const parsed = lines.map((line) => JSON.parse(line) as Line);
    expect(parsed).toHaveLength(300);
    expect(parsed.every((line) => line.event === 'mtls.refused')).toBe(true);
    expect(parsed.slice(0, 3).map((line) => `${line.stage} ${line.class}`)).toEqual(KEYS);
    expect(audit.refusedCount).toBe(300);
  });

  it('writes at most the rate plus one summary per interval, and accounts for every refusal by class and stage', () => {
    const clock = manualClock();
    const lines: string[] = [];
    const audit = new AuditLog(
      jsonLineSink((line) => lines.push(line)),
      { clock, limits: { linesPerSecond: 20, burst: 100, summaryIntervalMs: 10_000 } },
    );
    // 100 seconds at 200 refusals a second: 20,000 refusals, as in the flood that wrote 16,382 lines in 3 minutes.
    for (let i = 0; i < 20_000; i++) {
      audit.refused(KINDS[i % 3]!);
      clock.advance(5);
    }
    clock.advance(10_000); // the last interval's summary
    const parsed = lines.map((line) => JSON.parse(line) as Line);
    const written = parsed.filter((line) => line.event === 'mtls.refused');
    const summaries = parsed.filter((line) => line.event === 'mtls.refused.summary');

    // The burst, then 20 a second for 100 seconds (give or take the last token), and one summary per 10 s.
    expect(written.length).toBeGreaterThanOrEqual(100 + 20 * 100 - 1);
    expect(written.length).toBeLessThanOrEqual(100 + 20 * 100 + 1);
    expect(summaries).toHaveLength(10);
    expect(parsed).toHaveLength(written.length + summaries.length);

    // Nothing lost: per class and stage, lines written plus summary counts are exactly what was refused.
    const total = new Map<string, number>();
    const add = (key: string, count: number) => total.set(key, (total.get(key) ?? 0) + count);
    for (const line of written) add(`${line.stage} ${line.class}`, 1);
    for (const summary of summaries) {
      expect(summary.notLogged).toBe(summary.counts!.reduce((sum, tally) => sum + tally.count, 0));
      for (const tally of summary.counts!) {
        expect(tally.service).toBe('gateway');
        add(`${tally.stage} ${tally.class}`, tally.count);
      }
    }
    expect(Object.fromEntries(total)).toEqual({ [KEYS[0]!]: 6667, [KEYS[1]!]: 6667, [KEYS[2]!]: 6666 });
    expect(audit.refusedCount).toBe(20_000);
    expect(clock.pending()).toBe(0);
  });

  it('keeps summaries to classes: no reason text, address or identity', () => {
    const clock = manualClock();
    const lines: string[] = [];
    const audit = new AuditLog(
      jsonLineSink((line) => lines.push(line)),
      { clock, limits: { burst: 1, linesPerSecond: 1 } },
    );
    for (let i = 0; i < 50; i++) audit.refused({ ...KINDS[0]!, reason: `client certificate refused: SELF_SIGNED_CERT_IN_CHAIN ${'x'.repeat(i)}` });
    audit.flush();
    const summary = JSON.parse(lines.at(-1)!) as Line;
    expect(summary).toEqual(
      expect.objectContaining({
        event: 'mtls.refused.summary',
        notLogged: 49,
        counts: [{ service: 'gateway', stage: 'handshake', class: 'unknown CA', count: 49 }],
      }),
    );
    expect(lines.at(-1)).not.toMatch(/SELF_SIGNED|127\.0\.0\.9/);
  });

  it.each([
    ['client certificate refused: CERT_HAS_EXPIRED', 'expired'],
    ['client certificate refused: CERT_NOT_YET_VALID', 'not yet valid'],
    ['client certificate refused: DEPTH_ZERO_SELF_SIGNED_CERT', 'unknown CA'],
    ['client certificate refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unknown CA'],
    ['client certificate refused: INVALID_PURPOSE', 'not an SVID'],
    ['client certificate refused: EE_KEY_TOO_SMALL', 'bad certificate'],
    ['client certificate refused: CA_MD_TOO_WEAK', 'bad certificate'],
    ['peer did not return a certificate', 'no certificate'],
    ['tlsv1 alert unknown ca', 'unknown CA'],
    ['http request', 'TLS protocol'],
    ['wrong version number', 'TLS protocol'],
    ['no shared cipher', 'TLS protocol'],
    ['renegotiation refused', 'renegotiation'],
    ['socket hang up', 'aborted'],
    ['Client network socket disconnected before secure TLS connection was established', 'aborted'],
    ['something new from OpenSSL 4', 'other'],
  ] as const)('classifies the handshake reason "%s" as %s', (reason, expected) => {
    expect(classifyRefusalReason(reason)).toBe(expected);
    expect(REFUSAL_CLASSES).toContain(expected);
  });
});
