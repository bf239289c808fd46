import type { X509Certificate } from 'node:crypto';

/** Certificates are renewed once two thirds of their life has passed, as SPIRE and cert-manager do by default. */
export const RENEW_AT_FRACTION = 2 / 3;

export function renewalTime(cert: X509Certificate): Date {
  const notBefore = cert.validFromDate.getTime();
  const notAfter = cert.validToDate.getTime();
  return new Date(notBefore + (notAfter - notBefore) * RENEW_AT_FRACTION);
}

export function isDueForRenewal(cert: X509Certificate, now: Date): boolean {
  return now.getTime() >= renewalTime(cert).getTime();
}
