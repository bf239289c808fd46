import { parseDuration } from './duration';
import type { ConnectionLimits } from './model';
import type { RawManifest } from './schema';

/**
 * The defaults of mesh.yaml's `limits:`, and the one place they live (the
 * trust library's SERVER_LIMITS takes them from here).
 *
 * `pendingPerAddress` (128) is above the mesh client's 64 connections per target, so
 * that a peer opening its whole pool at once is never refused; `pendingHandshakes`
 * (1,024) leaves room for 8 such peers; 5 s is the handshake budget the mesh always had,
 * and 1 s is still several times what a full mutual-TLS handshake costs here
 * (about 2 ms of CPU), even on a loaded machine.
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 1_024,
  maxPendingHandshakes: 1_024,
  maxPendingPerAddress: 128,
  handshakeTimeoutMs: 5_000,
  minHandshakeTimeoutMs: 1_000,
};

export function connectionLimits(raw: RawManifest['limits']): ConnectionLimits {
  const defaults = DEFAULT_CONNECTION_LIMITS;
  return {
    maxConnections: raw.connections ?? defaults.maxConnections,
    maxPendingHandshakes: raw.pendingHandshakes ?? defaults.maxPendingHandshakes,
    maxPendingPerAddress: raw.pendingPerAddress ?? defaults.maxPendingPerAddress,
    handshakeTimeoutMs: raw.handshakeTimeout === undefined ? defaults.handshakeTimeoutMs : parseDuration(raw.handshakeTimeout),
    minHandshakeTimeoutMs: raw.minHandshakeTimeout === undefined ? defaults.minHandshakeTimeoutMs : parseDuration(raw.minHandshakeTimeout),
  };
}
