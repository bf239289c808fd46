import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { parseAddress } from './address';
import { parseDuration } from './duration';
import { ManifestError, type ManifestProblem } from './errors';
import { connectionLimits } from './limits';
import type { Address, Client, Manifest, Route, Service } from './model';
import { manifestSchema, ROUTE_PATTERN, type RawManifest } from './schema';
import { crossCheck } from './validate';

/** Reads and validates a manifest file; throws a `ManifestError` naming every line to fix. */
export function loadManifest(file: string): Manifest {
  const absolute = resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : String(error);
    throw new ManifestError(
      absolute,
      [{ line: undefined, where: '', message: `${reason}; create it or point PORTCULLIS_MANIFEST at the mesh manifest` }],
      'PORTCULLIS_ERR_MANIFEST_MISSING',
    );
  }
  return parseManifest(text, absolute);
}

/** Validates manifest text; `file` is only used to locate problems in messages. */
export function parseManifest(text: string, file: string): Manifest {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ManifestError(
      file,
      doc.errors.map((e) => ({ line: e.linePos?.[0].line, where: '', message: `is not valid YAML: ${firstLine(e.message)}` })),
    );
  }

  const parsed = manifestSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new ManifestError(
      file,
      parsed.error.issues.map((issue) => locate(doc, lines, issue.path as (string | number)[], issue.message)),
    );
  }

  const problems = crossCheck(parsed.data);
  if (problems.length > 0) {
    throw new ManifestError(
      file,
      problems.map((p) => locate(doc, lines, p.path, p.message)),
    );
  }
  return toModel(parsed.data, file);
}

function toModel(raw: RawManifest, file: string): Manifest {
  const commonRoutes = Object.entries(raw.commonRoutes);
  const services = new Map<string, Service>();
  for (const [name, spec] of Object.entries(raw.services)) {
    const addresses = new Map<string, Address>(Object.entries(spec.addresses).map(([env, text]) => [env, parseAddress(text, spec.port) as Address]));
    const routes = [...Object.entries(spec.routes), ...commonRoutes].map(([route, allow]) => toRoute(route, allow, name));
    services.set(name, { name, kind: 'service', id: spec.id, port: spec.port, addresses, calls: spec.calls, routes });
  }
  const clients = new Map<string, Client>(Object.entries(raw.clients).map(([name, spec]) => [name, { name, kind: 'client', id: spec.id }]));
  const environments = [...new Set([...services.values()].flatMap((s) => [...s.addresses.keys()]))];
  return {
    file,
    trustDomain: raw.trustDomain,
    certificates: {
      leafLifetimeMs: parseDuration(raw.certificates.leafLifetime),
      intermediateLifetimeMs: parseDuration(raw.certificates.intermediateLifetime),
      rootLifetimeMs: parseDuration(raw.certificates.rootLifetime),
      rootOverlapMs: parseDuration(raw.certificates.rootOverlap),
    },
    tls: raw.tls,
    limits: connectionLimits(raw.limits),
    services,
    clients,
    environments,
  };
}

function toRoute(route: string, allow: readonly string[], service: string): Route {
  const [, method, path] = ROUTE_PATTERN.exec(route)!;
  return { method: method!, path: path!, allow: allow.map((caller) => (caller === 'self' ? service : caller)) };
}

/** Finds the line of the deepest node on `path` that exists in the document. */
function locate(doc: Document, lines: LineCounter, path: readonly (string | number)[], message: string): ManifestProblem {
  const where = path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${key}` : key), '');
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return { line: lines.linePos(node.range[0]).line, where, message };
  }
  return { line: undefined, where, message };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
