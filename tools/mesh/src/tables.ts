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
  const rows = [...manifest.services.values()].flatMap((s) =>
    s.routes.map((route) => [s.name, `${route.method} ${route.path}`, route.allow.join(', ')]),
  );
  return markdownTable(['service', 'route', 'allowed callers'], rows);
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
