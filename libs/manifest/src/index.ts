export type { Address, CertificatePolicy, ConnectionLimits, Client, Manifest, Route, Service, TlsVersion, Workload } from './model';
export { ManifestError, type ManifestErrorCode, type ManifestProblem } from './errors';
export { loadManifest, parseManifest } from './load';
export { addressOf, originOf } from './address';
export { findManifestFile, MANIFEST_FILE, servicesServing, workloadNamed, workloadWithId } from './lookup';
export { parseDuration } from './duration';
export { NAME_PATTERN, ROUTE_PATTERN } from './schema';
export { DEFAULT_CONNECTION_LIMITS } from './limits';
export { manifestRevision } from './revision';
