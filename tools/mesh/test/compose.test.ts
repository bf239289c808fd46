import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERTS_JOB, COMPOSE_ENVIRONMENT, composeProblems, RENEWER } from '@portcullis/mesh';
import { editedManifest, REPO_ROOT, repoManifest } from '../../../test-support/temp-mesh';

describe('docker-compose.yml against mesh.yaml', () => {
  const compose = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
  const edited = (from: string, to: string) => {
    if (!compose.includes(from)) throw new Error(`edit did not apply: ${from}`);
    return compose.replace(from, to);
  };

  it('agree', () => {
    expect(composeProblems(repoManifest(), compose)).toEqual([]);
  });

  it('disagree when the gateway is published on another container port than the manifest says', () => {
    expect(composeProblems(repoManifest(), edited(':${PORTCULLIS_GATEWAY_PORT:-8443}:8443"', ':${PORTCULLIS_GATEWAY_PORT:-8443}:9443"'))).toEqual([
      'compose service gateway is called from outside the mesh and must publish its port 8443 once, not ["${PORTCULLIS_GATEWAY_ADDRESS:-127.0.0.1}:${PORTCULLIS_GATEWAY_PORT:-8443}:9443"]',
    ]);
  });

  it('disagree when the manifest moves the gateway to another port and the compose file does not follow', () => {
    const manifest = editedManifest([/port: 8443(\n\s+addresses:\n\s+local: 127.0.0.1)/, 'port: 9443$1']).manifest();
    expect(composeProblems(manifest, compose)).toEqual([
      'compose service gateway is called from outside the mesh and must publish its port 9443 once, not ["${PORTCULLIS_GATEWAY_ADDRESS:-127.0.0.1}:${PORTCULLIS_GATEWAY_PORT:-8443}:8443"]',
    ]);
  });

  it("disagree when a service mounts another service's identity", () => {
    const problems = composeProblems(
      repoManifest(),
      edited('      - gateway-identity:/certs/gateway:ro\n', '      - gateway-identity:/certs/gateway:ro\n      - payments-identity:/certs/payments:ro\n'),
    );
    expect(problems).toEqual([expect.stringMatching(/^compose service gateway must mount exactly its own identity, read-only/)]);
  });

  it('disagree when a service that is only called inside the mesh is published', () => {
    const problems = composeProblems(repoManifest(), edited('      - payments-data:/data\n', '      - payments-data:/data\n    ports:\n      - "9444:8443"\n'));
    expect(problems).toEqual(['compose service payments is only called inside the mesh and must not publish ports (["9444:8443"])']);
  });

  it('disagree when a service of the manifest is missing or renamed', () => {
    const manifest = editedManifest(['compose: payments', 'compose: billing']).manifest();
    const hosts = [...manifest.services.values()].map((s) => s.addresses.get(COMPOSE_ENVIRONMENT)!.host);
    expect(composeProblems(manifest, compose)).toEqual([
      `compose service payments is not a service of mesh.yaml (its compose addresses are ${hosts.join(', ')})`,
      'compose service orders calls payments and must wait for it to be healthy',
      "mesh.yaml's payments (compose address billing) has no compose service",
    ]);
  });

  it('disagree when a container loses its hardening', () => {
    const problems = composeProblems(repoManifest(), edited('  read_only: true\n', '  read_only: false\n'));
    const manifest = repoManifest();
    expect(problems).toEqual(
      [CERTS_JOB, RENEWER, ...[...manifest.services.values()].map((s) => s.addresses.get(COMPOSE_ENVIRONMENT)!.host)].map(
        (name) => `compose service ${name} must have read_only: true, cap_drop: [ALL] and no-new-privileges`,
      ),
    );
  });
});
