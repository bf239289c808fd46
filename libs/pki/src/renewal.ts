import { createHash, type X509Certificate } from 'node:crypto';

/**
 * Certificates are renewed once about two thirds of their life has passed, as
 * SPIRE and cert-manager do by default, with a jitter of up to 5% of the
 * lifetime either way so that a mesh issued at once does not renew at once.
 * The jitter comes from the serial number: every check of the same
 * certificate agrees on when it is due.
 */
export const RENEW_AT_FRACTION = 2 / 3;
export const RENEW_JITTER_FRACTION = 0.05;

export function renewalTime(cert: X509Certificate): Date {
  const notBefore = cert.validFromDate.getTime();
  const lifetime = cert.validToDate.getTime() - notBefore;
  const spread = createHash('sha256').update(cert.serialNumber).digest().readUInt16BE(0) / 0xffff; // 0..1
  const fraction = RENEW_AT_FRACTION + (spread * 2 - 1) * RENEW_JITTER_FRACTION;
  return new Date(notBefore + lifetime * fraction);
}

export function isDueForRenewal(cert: X509Certificate, now: Date): boolean {
  return now.getTime() >= renewalTime(cert).getTime();
}
