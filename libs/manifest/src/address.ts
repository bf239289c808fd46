import { isIP } from 'node:net';
import type { Address, Manifest } from './model';

const HOST_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/**
 * Parses an address as written in the manifest: `host`, `host:port`, `[v6]` or `[v6]:port`.
 * Returns a reason instead of throwing so the validator can report every problem at once.
 */
export function parseAddress(text: string, defaultPort: number): Address | string {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) return `"${text}" is not host or host:port`;
  const host = match[1]!;
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (bracketed && isIP(host) !== 6) return `"${host}" is not an IPv6 address`;
  if (!bracketed && isIP(host) === 0 && !HOST_PATTERN.test(host)) return `"${host}" is not a host name or IP address`;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `port ${match[2]} is not between 1 and 65535`;
  return { host, port };
}

/** Where to reach (or bind) `service` in `environment`. */
export function addressOf(manifest: Manifest, service: string, environment: string): Address {
  const spec = manifest.services.get(service);
  if (!spec) throw new Error(`${manifest.file}: there is no service "${service}"`);
  const address = spec.addresses.get(environment);
  if (!address) {
    throw new Error(
      `${manifest.file}: service "${service}" has no address for environment "${environment}"; known environments: ${manifest.environments.join(', ')}`,
    );
  }
  return address;
}

/** `https://host:port` for a service in an environment, with IPv6 hosts bracketed. */
export function originOf(manifest: Manifest, service: string, environment: string): string {
  const { host, port } = addressOf(manifest, service, environment);
  return `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
