import type { DrillReport } from '@portcullis/mesh';

/**
 * What the rotation drill must show, wherever it ran: at least `minRequests` sent; not one failed
 * request of the main load outside the crash; across the crash of `crashed`, failures only as the
 * gateway's 502 while it could not reach the service, and not one order confirmed before the crash
 * lost; the revoked client refused after its revocation and nowhere else.
 */
export function expectDrillPassed(report: DrillReport, expected: { minRequests: number; crashed: string }): void {
  const crash = report.crash!;
  expect(report.load.sent + crash.sent).toBeGreaterThanOrEqual(expected.minRequests);
  expect(report.load).toEqual({ sent: report.load.sent, succeeded: report.load.sent, failed: 0, failures: {} });

  expect(crash).toMatchObject({ service: expected.crashed, lostConfirmed: 0 });
  expect(crash.confirmedBefore).toBeGreaterThan(0);
  expect(crash.succeeded + crash.failed).toBe(crash.sent);
  expect(Object.keys(crash.failures).filter((reason) => reason !== 'HTTP 502')).toEqual([]);

  expect(report.revokedClient.failed).toBe(0);
  expect(report.revokedClient.revokedCertificateAnswer).toBe(403);
  expect(report.revokedClient.succeeded + report.revokedClient.refusedAfterRevocation).toBe(report.revokedClient.sent);
  expect(Object.keys(report.steps)).toEqual(['renew', 'crash', 'introduce', 'switch', 'retire', 'revoke']);
}
