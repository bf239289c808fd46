import { parseAddress } from './address';
import { connectionLimits } from './limits';
import type { RawManifest } from './schema';

/** A cross-reference problem found in a schema-valid manifest, located by its path in the document. */
export interface PathProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Checks what a schema cannot: that names refer to things that exist, that
 * identities and addresses are unique, and that the call graph and the
 * permissions agree (a service that calls another must be allowed somewhere
 * by it, and a service allowed by another must declare that it calls it).
 */
export function crossCheck(raw: RawManifest): PathProblem[] {
  const problems: PathProblem[] = [];
  const services = Object.keys(raw.services);
  const clients = Object.keys(raw.clients);
  const names = new Set([...services, ...clients]);
  const domainPrefix = `spiffe://${raw.trustDomain}/`;

  for (const name of clients.filter((c) => services.includes(c))) {
    problems.push({ path: ['clients', name], message: `"${name}" is both a service and a client; rename one of them` });
  }

  const owners = new Map<string, string[]>();
  const workloads: [string, string, string][] = [
    ...Object.entries(raw.services).map(([n, s]): [string, string, string] => ['services', n, s.id]),
    ...Object.entries(raw.clients).map(([n, c]): [string, string, string] => ['clients', n, c.id]),
  ];
  for (const [section, name, id] of workloads) {
    if (!id.startsWith(domainPrefix)) {
      problems.push({
        path: [section, name, 'id'],
        message: `${id} is outside the trust domain ${raw.trustDomain}; use ${domainPrefix}...`,
      });
    }
    const seen = owners.get(id) ?? [];
    if (seen.length > 0) {
      problems.push({ path: [section, name, 'id'], message: `${id} is already the identity of ${seen[0]}; give each workload its own` });
    }
    owners.set(id, [...seen, name]);
  }

  checkRoutes(['commonRoutes'], raw.commonRoutes, names, true, problems);
  checkLimits(raw, problems);

  const environments = new Set(Object.values(raw.services).flatMap((s) => Object.keys(s.addresses)));
  const bound = new Map<string, string>();
  for (const [name, service] of Object.entries(raw.services)) {
    for (const environment of environments) {
      if (!(environment in service.addresses)) {
        problems.push({
          path: ['services', name, 'addresses'],
          message: `has no address for environment "${environment}", which other services have; add one`,
        });
      }
    }
    for (const [environment, text] of Object.entries(service.addresses)) {
      const address = parseAddress(text, service.port);
      if (typeof address === 'string') {
        problems.push({ path: ['services', name, 'addresses', environment], message: address });
        continue;
      }
      const key = `${environment} ${address.host}:${address.port}`;
      const other = bound.get(key);
      if (other) {
        problems.push({
          path: ['services', name, 'addresses', environment],
          message: `${address.host}:${address.port} is already the ${environment} address of ${other}; two services cannot share an address`,
        });
      }
      bound.set(key, name);
    }

    service.calls.forEach((callee, index) => {
      const path = ['services', name, 'calls', index];
      const target = raw.services[callee];
      if (callee === name) problems.push({ path, message: `a service does not call itself over the mesh; remove "${callee}"` });
      else if (!target) problems.push({ path, message: `"${callee}" is not a service; known services: ${services.join(', ')}` });
      else if (!Object.values(target.routes).some((allowed) => allowed.includes(name))) {
        problems.push({ path, message: `${name} calls ${callee}, but no route of ${callee} allows ${name}; allow it on a route or remove the call` });
      }
    });

    checkRoutes(['services', name, 'routes'], service.routes, names, false, problems);
    for (const route of Object.keys(service.routes).filter((route) => route in raw.commonRoutes)) {
      problems.push({
        path: ['services', name, 'routes', route],
        message: `"${route}" is one of the commonRoutes every service has; remove it here or from commonRoutes`,
      });
    }
    for (const [route, allowed] of Object.entries(service.routes)) {
      allowed.forEach((caller, index) => {
        const callerService = raw.services[caller];
        if (callerService && caller !== name && !callerService.calls.includes(name)) {
          problems.push({
            path: ['services', name, 'routes', route, index],
            message: `${name} allows ${caller} on "${route}", but ${caller} does not list ${name} in its calls; add it there or remove it here`,
          });
        }
      });
    }
  }
  return problems;
}

function checkRoutes(
  base: readonly (string | number)[],
  routes: Record<string, string[]>,
  names: ReadonlySet<string>,
  selfAllowed: boolean,
  problems: PathProblem[],
): void {
  for (const [route, allowed] of Object.entries(routes)) {
    allowed.forEach((caller, index) => {
      if (caller === 'self' && selfAllowed) return;
      if (!names.has(caller)) {
        const known = [...names, ...(selfAllowed ? ['self'] : [])].join(', ');
        problems.push({ path: [...base, route, index], message: `"${caller}" is not a service or client; known names: ${known}` });
      }
    });
  }
}

/** The limits must make sense together, defaults included (a field left out takes its default). */
function checkLimits(raw: RawManifest, problems: PathProblem[]): void {
  const limits = connectionLimits(raw.limits);
  if (limits.maxPendingPerAddress > limits.maxPendingHandshakes) {
    problems.push({
      path: ['limits', 'pendingPerAddress'],
      message: `${limits.maxPendingPerAddress} is more than pendingHandshakes (${limits.maxPendingHandshakes}), so one address could fill the whole pending pool; lower it or raise pendingHandshakes`,
    });
  }
  if (limits.minHandshakeTimeoutMs > limits.handshakeTimeoutMs) {
    problems.push({
      path: ['limits', 'minHandshakeTimeout'],
      message: `is longer than handshakeTimeout (${limits.handshakeTimeoutMs} ms), but it is the deadline under pressure; make it shorter`,
    });
  }
}
