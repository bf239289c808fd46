import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Manifest } from '@portcullis/manifest';
import { authorityFiles, renewalTime } from '@portcullis/pki';
import { identityFiles } from '@portcullis/layout';

/** `mesh certs status`: the whole mesh's expiry timeline, soonest first, CA included. */
export function certificateTimeline(manifest: Manifest, certsDir: string, now = new Date()): string {
  const ca = authorityFiles(certsDir);
  const entries: { name: string; file: string }[] = [
    { name: 'root CA', file: ca.rootCert },
    { name: 'intermediate CA', file: ca.intermediateCert },
    ...[...manifest.services.keys(), ...manifest.clients.keys()].map((name) => ({ name, file: identityFiles(certsDir, name).cert })),
  ];
  const rows = entries.map(({ name, file }) => {
    if (!existsSync(file)) return { name, notAfter: Number.NEGATIVE_INFINITY, line: `${name.padEnd(16)} missing` };
    const cert = new X509Certificate(readFileSync(file));
    const hours = (cert.validToDate.getTime() - now.getTime()) / 3_600_000;
    const left = hours < 0 ? 'EXPIRED' : hours < 48 ? `${hours.toFixed(1)} h left` : `${(hours / 24).toFixed(0)} days left`;
    const renew = name.endsWith('CA') ? '' : `, renews ${renewalTime(cert).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    return {
      name,
      notAfter: cert.validToDate.getTime(),
      line: `${name.padEnd(16)} ${cert.validToDate.toISOString().slice(0, 16).replace('T', ' ')} UTC (${left}${renew}) serial ${cert.serialNumber}`,
    };
  });
  return rows
    .sort((a, b) => a.notAfter - b.notAfter)
    .map((row) => row.line)
    .join('\n');
}
