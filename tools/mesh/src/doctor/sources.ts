import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dirname } from 'node:path';
import { error, ok, type DoctorContext, type Finding } from './finding';

/**
 * What a service's source must never hold: every port, address and
 * certificate path comes from mesh.yaml through the trust library, so one
 * written into a service is the classic 8443 failure waiting for a port change.
 */
const FORBIDDEN: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: 'a port', pattern: /\b(?:8443|9443)\b|(?<=[\w\]]:)\d{2,5}\b|\bport\s*[:=]\s*\d+/i },
  { what: 'an address', pattern: /\b127\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|\blocalhost\b|\b0\.0\.0\.0\b/ },
  { what: 'a certificate path', pattern: /\b(?:tls\.crt|tls\.key|ca\.crt)\b|['"`][^'"`]*certs\/[^'"`]*['"`]/ },
];

/** No file under `services/*\/src` holds a port, an address or a certificate path. */
export function sourceFindings(context: DoctorContext): Finding[] {
  const servicesDir = join(dirname(context.manifest.file), 'services');
  if (!existsSync(servicesDir)) return [ok('files', 'sources', 'no services/ beside the manifest, no sources to check')];
  const findings: Finding[] = [];
  for (const file of sourceFiles(servicesDir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      const code = line.replace(/(^|\s)\/\/.*$/, '').replace(/^\s*\*.*$/, '');
      for (const { what, pattern } of FORBIDDEN) {
        const match = pattern.exec(code);
        if (match) {
          const where = `${relative(dirname(context.manifest.file), file)}:${index + 1}`;
          findings.push(
            error(
              'files',
              'sources',
              `${where} holds ${what} ("${match[0].trim()}"); take it from mesh.yaml through the trust library (bootstrapService, MeshClient) instead`,
            ),
          );
        }
      }
    });
  }
  return findings.length > 0 ? findings : [ok('files', 'sources', 'no source under services/ holds a port, address or certificate path')];
}

function sourceFiles(servicesDir: string): string[] {
  return readdirSync(servicesDir).flatMap((service) => walk(join(servicesDir, service, 'src')));
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return walk(path);
    return /\.ts$/.test(entry) && !entry.endsWith('.d.ts') ? [path] : [];
  });
}
