import { addressOf } from '@portcullis/manifest';
import { DEMO_CLIENT } from '@portcullis/mesh';
import { curl } from '../../test-support/outside-clients';
import { meshUnderTest } from '../support/mesh-under-test';

const mesh = meshUnderTest();

/**
 * `localhost` resolves to 127.0.0.1, so of the local mesh only the service the
 * manifest puts there is reachable by that name; which one, and a route the demo
 * client may read on it, come from the manifest.
 */
const onLocalhost = [...mesh.manifest.services.values()].find((s) => addressOf(mesh.manifest, s.name, 'local').host === '127.0.0.1');
const readable = onLocalhost?.routes.find((r) => r.method === 'GET' && !r.path.includes(':') && r.allow.includes(DEMO_CLIENT));

/** Local processes only: in containers the published port is reached through Docker's own forwarding. */
describe('the service on 127.0.0.1, called as localhost', () => {
  it('is one the demo client may read', () => {
    expect(onLocalhost).toBeDefined();
    expect(readable).toBeDefined();
  });

  it(`answers curl https://localhost:<port>${readable?.path ?? ''} with the demo client's files, checking the host name`, () => {
    const files = mesh.identity(DEMO_CLIENT);
    const { port } = addressOf(mesh.manifest, onLocalhost!.name, 'local');
    // No --resolve and no -k: curl checks "localhost" against the certificate's names itself.
    const response = curl(`https://localhost:${port}${readable!.path}`, { cacert: files.bundle, cert: files.cert, key: files.key });
    expect(response.stderr).toBe('');
    expect(response.status).toBe(200);
  });
});
