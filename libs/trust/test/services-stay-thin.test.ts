import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, repoManifest } from '../../../test-support/temp-mesh';

/**
 * The classic 8443 failure is a port or address changed in one place and not
 * in its dependents. Services hold none: ports, addresses and identities come
 * from mesh.yaml, TLS from this library.
 */
describe('service code', () => {
  const sources = readdirSync(join(REPO_ROOT, 'services')).flatMap((service) =>
    readdirSync(join(REPO_ROOT, 'services', service, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => ({ file: `${service}/src/${file}`, text: readFileSync(join(REPO_ROOT, 'services', service, 'src', file), 'utf8') })),
  );

  it('exists for every service of the manifest', () => {
    expect(new Set(sources.map(({ file }) => file.split('/')[0]))).toEqual(new Set(repoManifest().services.keys()));
  });

  it.each([
    ['a port number', /\b\d{4,5}\b(?!_)/],
    ['a loopback or private address', /\b(127|10|172|192)\.\d+\.\d+\.\d+\b/],
    ['TLS options', /requestCert|rejectUnauthorized|secureContext|createServer|node:tls|node:https/],
    ['certificate files', /\.(pem|crt|key)['"`]|readFileSync/],
    ['a SPIFFE ID', /spiffe:\/\//],
    ['an https URL', /https:\/\//],
  ])('contains no %s', (_what, pattern) => {
    const offenders = sources.filter(({ text }) => pattern.test(text)).map(({ file }) => file);
    expect(offenders).toEqual([]);
  });
});
