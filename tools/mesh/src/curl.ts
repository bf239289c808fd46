import { relative } from 'node:path';
import { identityFiles } from '@portcullis/layout';

/** The external client the README and the runner use to show the mesh working. */
export const DEMO_CLIENT = 'demo-client';

/** A copy-pasteable curl call that places an order through the gateway at `gatewayOrigin` over mTLS as the demo client. */
export function curlExample(certsDir: string, gatewayOrigin: string): string {
  const files = identityFiles(certsDir, DEMO_CLIENT);
  const show = (file: string) => relative(process.cwd(), file) || file;
  return [
    `curl --cacert ${show(files.bundle)} --cert ${show(files.cert)} --key ${show(files.key)}`,
    `-H 'content-type: application/json' -d '{"sku":"WIDGET-1","quantity":2}'`,
    `${gatewayOrigin}/orders`,
  ].join(' ');
}
