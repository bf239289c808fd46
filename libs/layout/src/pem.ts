/** The PEM certificate blocks of a file, in order (a chain is leaf first; a bundle may hold several roots). */
export function pemCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
