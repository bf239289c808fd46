import { spawnSync } from 'node:child_process';
import { curl, curlJson, type CurlIdentity } from '../test-support/outside-clients';
import { meshUnderTest } from './support/mesh-under-test';

const mesh = meshUnderTest();
const endpoint = mesh.endpoint('gateway');
const gateway = endpoint.origin;
const via = endpoint.curlArgs;
const demo: CurlIdentity = {
  cacert: mesh.identity('demo-client').bundle,
  cert: mesh.identity('demo-client').cert,
  key: mesh.identity('demo-client').key,
};
const available = (sku: string) =>
  (curlJson(`${gateway}/inventory`, demo, undefined, via).json as { sku: string; available: number }[]).find((item) => item.sku === sku)!.available;

describe('the order flow through the gateway, with curl as the client', () => {
  it('creates an order with the exact curl call the runner prints', () => {
    const command = mesh.curlExample();
    const run = spawnSync('bash', ['-c', `${command} --silent --show-error --write-out '\\n%{http_code}'`], { encoding: 'utf8' });
    const [body, status] = run.stdout.split('\n');
    expect(run.stderr).toBe('');
    expect(status).toBe('201');
    expect(JSON.parse(body!)).toEqual(expect.objectContaining({ id: expect.stringMatching(/^ord_/), sku: 'WIDGET-1', quantity: 2, status: 'confirmed' }));
  });

  it('lists the seeded inventory as {sku, available}', () => {
    const response = curlJson(`${gateway}/inventory`, demo, undefined, via);
    expect(response.status).toBe(200);
    expect(response.json).toEqual(expect.arrayContaining([{ sku: 'GADGET-2', available: expect.any(Number) }]));
    for (const item of response.json as object[]) expect(Object.keys(item).sort()).toEqual(['available', 'sku']);
  });

  it('reserves stock, charges it and returns the order, which can be read back', () => {
    const before = available('GADGET-2');
    const created = curlJson(`${gateway}/orders`, demo, { sku: 'GADGET-2', quantity: 3 }, via);
    expect(created.status).toBe(201);
    const order = created.json as { id: string; amountCents: number };
    expect(order.amountCents).toBe(3 * 4_999);
    expect(available('GADGET-2')).toBe(before - 3);

    const read = curlJson(`${gateway}/orders/${order.id}`, demo, undefined, via);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created.json);
  });

  it('answers 409 when stock runs out, and keeps the stock as it was', () => {
    const before = available('GIZMO-3');
    const response = curlJson(`${gateway}/orders`, demo, { sku: 'GIZMO-3', quantity: before + 1 }, via);
    expect(response.status).toBe(409);
    expect(response.json).toEqual(expect.objectContaining({ statusCode: 409, message: `only ${before} of GIZMO-3 available, ${before + 1} requested` }));
    expect(available('GIZMO-3')).toBe(before);
  });

  it('releases the reserved stock when the payment is declined', () => {
    const before = available('WIDGET-1');
    // 1,000 x 12.50 is over the payments service's charge limit.
    const response = curlJson(`${gateway}/orders`, demo, { sku: 'WIDGET-1', quantity: Math.min(before, 1_000) }, via);
    expect(before).toBeGreaterThan(400);
    expect(response.status).toBe(402);
    expect(available('WIDGET-1')).toBe(before);
  });

  it('answers 400 with a JSON body naming the bad field', () => {
    const response = curlJson(`${gateway}/orders`, demo, { sku: 'WIDGET-1', quantity: 0 }, via);
    expect(response.status).toBe(400);
    expect(response.json).toEqual(expect.objectContaining({ statusCode: 400, issues: [expect.objectContaining({ path: 'quantity' })] }));
  });

  it('answers 400 for a body that is not JSON, 415 for one that is not declared JSON', () => {
    const broken = curl(`${gateway}/orders`, demo, [...via, '-H', 'content-type: application/json', '--data-binary', '{"sku": ']);
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toEqual(expect.objectContaining({ statusCode: 400 }));
    const text = curl(`${gateway}/orders`, demo, [...via, '-H', 'content-type: text/plain', '--data-binary', 'hello']);
    expect(text.status).toBe(415);
    expect(JSON.parse(text.body)).toEqual(expect.objectContaining({ statusCode: 415 }));
    // curl -d sends a form by default: the mesh speaks JSON only, so a form is 415 too, never parsed into fields.
    const form = curl(`${gateway}/orders`, demo, [...via, '--data', 'sku=WIDGET-1&quantity=1']);
    expect(form.status).toBe(415);
    expect(JSON.parse(form.body)).toEqual(expect.objectContaining({ statusCode: 415 }));
  });

  it('answers 413 for an oversized body without reading it all', () => {
    const response = curlJson(`${gateway}/orders`, demo, { sku: 'X'.repeat(100_000), quantity: 1 }, via);
    expect(response.status).toBe(413);
    expect(response.json).toEqual(expect.objectContaining({ statusCode: 413 }));
  });

  it('answers 404 with JSON for unknown orders and unknown routes', () => {
    const order = curlJson(`${gateway}/orders/ord_0123456789abcdef`, demo, undefined, via);
    expect(order.status).toBe(404);
    expect(order.json).toEqual(expect.objectContaining({ statusCode: 404, message: 'no order ord_0123456789abcdef' }));
    const route = curlJson(`${gateway}/nothing/here`, demo, undefined, via);
    expect(route.status).toBe(404);
    expect(route.json).toEqual(expect.objectContaining({ statusCode: 404 }));
  });

  it('answers 400 for a malformed order id', () => {
    expect(curlJson(`${gateway}/orders/..%2F..%2Fetc`, demo, undefined, via).status).toBe(400);
  });
});
