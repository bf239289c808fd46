import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { authorityFiles, generateRsaKey, leafProfile, readAuthority, signCertificate } from '@portcullis/pki';

/** Debian's PostgreSQL, the newest installed (tools/prerequisites.sh installs it; Debian 12 has 15). */
export const PG_BIN = join(
  '/usr/lib/postgresql',
  readdirSync('/usr/lib/postgresql')
    .sort((a, b) => Number(b) - Number(a))
    .at(0) ?? '15',
  'bin',
);

export interface PostgresCluster {
  readonly host: string;
  readonly port: number;
  /** The DATABASE_URL a service is started with: user and database default to its own name. */
  readonly url: string;
  /** The superuser over the cluster's own Unix socket, for a test that audits the databases. */
  superuser(database: string): Client;
  stop(): void;
}

const asPostgres = (command: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], { stdio: 'pipe' });

/**
 * A throw-away PostgreSQL cluster in `dir`, listening on `host:port` with TLS only, whose server
 * certificate comes from the mesh CA in `certsDir` and which admits a TCP client only by its mesh
 * certificate (`hostssl ... cert`: the certificate's CN, the workload's name, is the user). Each
 * of `services` gets a user and a database of its name.
 */
export async function startPostgresCluster(dir: string, certsDir: string, host: string, port: number, services: readonly string[]): Promise<PostgresCluster> {
  const data = join(dir, 'pgdata');
  const socket = join(dir, 'socket');
  mkdirSync(socket, { recursive: true });
  const postgres = (path: string) =>
    chownSync(path, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  // The cluster's user must reach its folder inside the test's (root-owned, private) temporary one.
  postgres(dir);
  postgres(socket);
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=reject', '--no-sync']);

  // The server's certificate, from the mesh's intermediate, with the address clients dial as an IP SAN.
  const { intermediate } = readAuthority(authorityFiles(certsDir));
  if (!intermediate) throw new Error(`${certsDir} has no intermediate CA; issue the mesh certificates first`);
  const keys = await generateRsaKey();
  const leaf = signCertificate(
    leafProfile(
      'postgres',
      { id: 'spiffe://portcullis.local/database/postgres', dnsNames: ['localhost'], ips: [host] },
      intermediate,
      keys.publicKeyPem,
      new Date(),
      24 * 3_600_000,
    ),
  );
  const files = {
    'server.crt': leaf + intermediate.certPem,
    'server.key': keys.privateKeyPem,
    'mesh-ca.crt': readFileSync(join(certsDir, services[0]!, 'ca.crt'), 'utf8'),
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(data, name), text);
    postgres(join(data, name));
    chmodSync(join(data, name), 0o600);
  }
  writeFileSync(
    join(data, 'postgresql.conf'),
    [
      `listen_addresses = '${host}'`,
      `port = ${port}`,
      `unix_socket_directories = '${socket}'`,
      'ssl = on',
      "ssl_cert_file = 'server.crt'",
      "ssl_key_file = 'server.key'",
      "ssl_ca_file = 'mesh-ca.crt'",
      "ssl_min_protocol_version = 'TLSv1.3'",
      'max_connections = 100',
      '',
    ].join('\n'),
    { flag: 'a' },
  );
  // Only the superuser, only over the socket, without a password; everyone else by certificate over TLS
  // (from any loopback address: a client dialling 127.0.17.1 speaks from 127.0.0.1).
  writeFileSync(join(data, 'pg_hba.conf'), ['local all postgres trust', 'hostssl all all 127.0.0.0/8 cert', ''].join('\n'));
  asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-w', 'start']);

  const superuser = (database: string) => new Client({ host: socket, port, user: 'postgres', database });
  const admin = superuser('postgres');
  await admin.connect();
  try {
    for (const service of services) {
      await admin.query(`CREATE ROLE "${service}" LOGIN`);
      await admin.query(`CREATE DATABASE "${service}" OWNER "${service}"`);
    }
  } finally {
    await admin.end();
  }
  return {
    host,
    port,
    url: `postgresql://${host}:${port}`,
    superuser,
    stop: () => {
      asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
  };
}
