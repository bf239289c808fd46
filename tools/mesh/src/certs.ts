import { relative } from 'node:path';
import type { Manifest } from '@portcullis/manifest';
import { issueMeshCertificates, withAuthorityLock, type IssueOptions } from '@portcullis/pki';

/** `mesh certs [name...] [--force]`: issue what is missing or due, keep the rest, and say which is which. */
export async function issueCertificates(manifest: Manifest, certsDir: string, options: IssueOptions, print: (line: string) => void): Promise<void> {
  const { authority, workloads } = await withAuthorityLock(certsDir, () => issueMeshCertificates(manifest, certsDir, options));
  const where = relative(process.cwd(), certsDir) || '.';
  if (authority.root === 'created') print(`created the root CA in ${where}/ca`);
  if (authority.intermediate !== 'kept') print(`${authority.intermediate} the intermediate CA`);
  for (const result of workloads) {
    const until = result.notAfter.toISOString().replace('T', ' ').slice(0, 16);
    const why = result.action === 'issued' ? ` (${result.reason})` : '';
    print(`${result.action.padEnd(6)} ${result.name.padEnd(12)} valid until ${until} UTC${why}`);
  }
}
