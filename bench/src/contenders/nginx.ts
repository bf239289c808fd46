import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IdentityFiles } from '@portcullis/layout';

export interface SidecarConfig {
  /** Where it terminates mTLS. */
  readonly listen: { host: string; port: number };
  /** The plaintext app it forwards to over loopback. */
  readonly upstream: { host: string; port: number };
  /** The same certificate files the service itself would use. */
  readonly identity: IdentityFiles;
  /** A directory of its own for its config, pid file, logs and temp files. */
  readonly dir: string;
}

/**
 * An nginx sidecar configured the way a careful operator would: one worker
 * (it shares the service's core), TLS 1.3 only, client certificates required
 * and checked against the mesh bundle, session resumption on, no access log
 * (the Node servers log nothing per request either), and a keep-alive pool
 * to the app so that the plaintext hop is not a new connection per request.
 * It checks the chain only: nginx cannot match a SPIFFE URI SAN without
 * scripting, so it does less than Portcullis's per-identity authorization.
 */
export function nginxConfig(config: SidecarConfig): string {
  const { listen, upstream, identity, dir } = config;
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  for (const name of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, name), { recursive: true });
  return `worker_processes 1;
daemon off;
master_process on;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  upstream app {
    server ${upstream.host}:${upstream.port};
    keepalive 64;
    keepalive_requests 1000000;
    # Shorter than the app's 5 s keep-alive, so nginx never reuses a connection the app is closing.
    keepalive_timeout 4s;
  }
  server {
    listen ${listen.host}:${listen.port} ssl;
    ssl_certificate ${identity.cert};
    ssl_certificate_key ${identity.key};
    ssl_client_certificate ${identity.bundle};
    ssl_verify_client on;
    ssl_verify_depth 2;
    ssl_protocols TLSv1.3;
    ssl_session_cache shared:portcullis:10m;
    ssl_session_tickets on;
    keepalive_requests 1000000;
    keepalive_timeout 5s;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Client-Serial $ssl_client_serial;
    }
  }
}
`;
}

/** Writes the config and returns nginx's command line, to run in the foreground. */
export function nginxCommand(config: SidecarConfig): [string, string[]] {
  mkdirSync(config.dir, { recursive: true });
  const file = join(config.dir, 'nginx.conf');
  writeFileSync(file, nginxConfig(config));
  // Debian puts it in /usr/sbin, which is not on every user's PATH.
  return [existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx', ['-p', config.dir, '-c', file, '-e', join(config.dir, 'error.log')]];
}
