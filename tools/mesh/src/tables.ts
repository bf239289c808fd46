import type { Manifest } from '@portcullis/manifest';

/**
 * The README's tables, derived from the manifest. `mesh tables` prints them
 * and a test fails when the README's copy drifts from mesh.yaml.
 */
export function identityTable(manifest: Manifest): string {
  const environments = manifest.environments;
  const header = ['workload', 'kind', 'SPIFFE ID', 'port', ...environments.map((e) => `${e} address`)];
  const rows = [...manifest.services.values()].map((s) => [
    s.name,
    'service',
    s.id,
    String(s.port),
    ...environments.map((e) => {
      const address = s.addresses.get(e)!;
      return `${address.host}:${address.port}`;
    }),
  ]);
  for (const client of manifest.clients.values()) rows.push([client.name, 'client', client.id, '-', ...environments.map(() => '-')]);
  return markdownTable(header, rows);
}

/** Who may call what: one row per route of every service, default deny for everything else. */
export function policyTable(manifest: Manifest): string {
  const rows = [...manifest.services.values()].flatMap((s) => s.routes.map((route) => [s.name, `${route.method} ${route.path}`, route.allow.join(', ')]));
  return markdownTable(['service', 'route', 'allowed callers'], rows);
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const TABLES_BLOCK = /(<!-- mesh tables -->\n)[\s\S]*?(\n<!-- \/mesh tables -->)/;

/** The README with the block between its `<!-- mesh tables -->` markers rewritten from the manifest. */
export function readmeWithTables(manifest: Manifest, readme: string, file = 'README.md'): string {
  if (!TABLES_BLOCK.test(readme))
    throw new Error(`${file}: has no "<!-- mesh tables -->" ... "<!-- /mesh tables -->" block; put the two markers where the tables belong`);
  return readme.replace(TABLES_BLOCK, (_, open: string, close: string) => `${open}${identityTable(manifest)}\n\n${policyTable(manifest)}${close}`);
}
