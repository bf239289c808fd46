import { z } from 'zod';
import { DURATION_PATTERN } from './duration';

/** The shape of mesh.yaml as written. Cross-references are checked afterwards, in `validate.ts`. */

export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
export const ROUTE_PATTERN = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/\S*)$/;
const TRUST_DOMAIN_PATTERN = /^[a-z0-9._-]+$/;
const SPIFFE_ID_PATTERN = /^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)+$/;

const name = z.string().regex(NAME_PATTERN, 'must be lowercase letters, digits and dashes, starting with a letter');
const duration = z.string().regex(DURATION_PATTERN, 'must be a duration like 500ms, 30m, 24h or 365d');
const spiffeId = z.string().regex(SPIFFE_ID_PATTERN, 'must be a SPIFFE ID like spiffe://<trust-domain>/service/<name>');
const port = z.number().int().min(1).max(65535);
const count = z.number().int().min(1).max(1_000_000);
const callers = z.array(name).min(1, 'must name at least one caller (leave the route out to deny everyone)');
const routes = z.record(z.string().regex(ROUTE_PATTERN, 'must look like "GET /path"'), callers);

export const manifestSchema = z.strictObject({
  trustDomain: z.string().regex(TRUST_DOMAIN_PATTERN, 'must be a lowercase domain-like name'),
  certificates: z
    .strictObject({
      leafLifetime: duration.default('24h'),
      intermediateLifetime: duration.default('365d'),
      rootLifetime: duration.default('3650d'),
      // Twice the longest interval at which outside clients are told to re-read their bundle (5 minutes).
      rootOverlap: duration.default('10m'),
    })
    .prefault({}),
  tls: z.strictObject({ minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.3') }).prefault({}),
  // Left out fields take DEFAULT_CONNECTION_LIMITS (limits.ts), the one place the defaults live.
  limits: z
    .strictObject({
      connections: count.optional(),
      pendingHandshakes: count.optional(),
      pendingPerAddress: count.optional(),
      handshakeTimeout: duration.optional(),
      minHandshakeTimeout: duration.optional(),
    })
    .prefault({}),
  commonRoutes: routes.default({}),
  clients: z.record(name, z.strictObject({ id: spiffeId })).default({}),
  services: z.record(
    name,
    z.strictObject({
      id: spiffeId,
      port,
      addresses: z.record(name, z.string().min(1)),
      calls: z.array(name).default([]),
      routes,
    }),
  ),
});

export type RawManifest = z.infer<typeof manifestSchema>;
