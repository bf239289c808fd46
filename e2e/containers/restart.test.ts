import { curlJson } from '../../test-support/outside-clients';
import { meshUnderTest } from '../support/mesh-under-test';
import { inspect, restart, waitUntilHealthy } from './support/docker';

const mesh = meshUnderTest();
const gateway = mesh.endpoint('gateway');
const demo = { cacert: mesh.identity('demo-client').bundle, cert: mesh.identity('demo-client').cert, key: mesh.identity('demo-client').key };
const placeOrder = () => curlJson(`${gateway.origin}/orders`, demo, { sku: 'GADGET-2', quantity: 1 }, gateway.curlArgs);

// Every service another service calls, from the manifest.
const called = [...mesh.manifest.services.keys()].filter((name) => [...mesh.manifest.services.values()].some((s) => s.calls.includes(name)));

describe('a restarted container', () => {
  it.each(called)('is called again by its peers after `docker restart %s`, without restarting them', async (service) => {
    const peers = [...mesh.manifest.services.keys()].filter((s) => s !== service);
    const startedAt = (name: string) => inspect(mesh.container(name), '{{.State.StartedAt}}');
    const before = Object.fromEntries(peers.map((peer) => [peer, startedAt(peer)]));
    expect(placeOrder().status).toBe(201);

    restart(mesh.container(service));
    await waitUntilHealthy(mesh.container(service));

    expect(placeOrder().status).toBe(201);
    expect(Object.fromEntries(peers.map((peer) => [peer, startedAt(peer)]))).toEqual(before);
  });
});
