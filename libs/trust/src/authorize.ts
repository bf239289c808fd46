import { workloadNamed, type Manifest } from '@portcullis/manifest';
import { trustDomainOf } from './svid';

/**
 * Authorizers decide from the caller's SPIFFE ID alone (go-spiffe's
 * `tlsconfig.Authorizer`). They are small and composable; the policy of a
 * service is built from the manifest, never written in the service.
 */
export type Authorizer = (id: string) => boolean;

export const authorizeAny = (): Authorizer => () => true;
export const authorizeId =
  (expected: string): Authorizer =>
  (id) =>
    id === expected;
export const authorizeMemberOf =
  (trustDomain: string): Authorizer =>
  (id) =>
    trustDomainOf(id) === trustDomain;
export const authorizeOneOf =
  (...authorizers: readonly Authorizer[]): Authorizer =>
  (id) =>
    authorizers.some((authorize) => authorize(id));

/** `GET /orders/:id`: how routes are named in the manifest, in policies and in logs. */
export const routeKey = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;

/** The authorizer of each route of `service`, from the manifest's allow lists. Routes not in the map are denied. */
export function routePolicy(manifest: Manifest, service: string): ReadonlyMap<string, Authorizer> {
  const spec = manifest.services.get(service);
  if (!spec) throw new Error(`${manifest.file}: there is no service "${service}"`);
  const idOf = (name: string) => workloadNamed(manifest, name)!.id;
  return new Map(spec.routes.map((route) => [routeKey(route.method, route.path), authorizeOneOf(...route.allow.map((name) => authorizeId(idOf(name))))]));
}
