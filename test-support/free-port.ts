import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the kernel takes the source ports of outgoing connections from (Linux's default when unreadable). */
function ephemeralRange(): readonly [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: assume its default.
  }
  return [32_768, 60_999];
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A port nothing listens on, chosen below the kernel's ephemeral range (as Kubernetes' NodePorts
 * are). A port the kernel handed out (`listen(0)`) is in that range: while its owner is down (a
 * container being restarted), any outgoing connection may take it as its source port, and the
 * owner cannot bind it again ("address already in use"), which is how a restarted container's
 * published port was lost in CI.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const lowest = 20_000;
  const [ephemeralLow] = ephemeralRange();
  const highest = Math.max(lowest + 1_000, ephemeralLow) - 1;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = lowest + Math.floor(Math.random() * (highest - lowest));
    if (await canListen(port, host)) return port;
  }
  throw new Error(`no free port on ${host} between ${lowest} and ${highest}`);
}
