// The runtime without a framework: identities, sources, authorizers, the mTLS server pieces and the mesh client.
// Nothing here imports NestJS or Fastify at load time (Fastify only as types); the NestJS face is `@portcullis/trust/nest`.
// The on-disk layout (identityFiles, DATA_LINK, the deny list, PEM and SAN helpers) is `@portcullis/layout`.
export { LEAF_LIFETIME_MARGIN_MS, spiffeIdOf, svidProblem, svidRules, trustDomainOf, type SvidRole, type SvidRules } from './svid';
export { leafExtensions, type LeafExtensions } from './leaf-extensions';
export { displayPath, IdentityError, type IdentityErrorCode, loadIdentity, verifyChain, type Identity, type IdentityExpectation } from './identity';
export { IdentitySource, type IdentityListener } from './source';
export { watchIdentity, type IdentityWatch, type WatchOptions } from './watch';
export { authorizeAny, authorizeId, authorizeMemberOf, authorizeOneOf, routeKey, routePolicy, type Authorizer } from './authorize';
export {
  AUDIT_LIMITS,
  AuditLog,
  jsonLineSink,
  type AuditClock,
  type AuditRecord,
  type AuditLimits,
  type AuditOptions,
  type AuditSink,
  type Refusal,
} from './audit';
export { classifyRefusalReason, REFUSAL_CLASSES, type RefusalClass } from './refusal-class';
export { DEFAULT_ENVIRONMENT, ISSUE_COMMAND, meshLocation, openMeshContext, type MeshContext, type MeshLocation } from './context';
export { secureContextOptions, serverTlsOptions, TLS12_CIPHERS } from './server/tls-options';
export { PeerIdentifier, type MeshPeer, type PeerVerdict } from './server/peer';
export { installAuthorization, policyGaps, collectRoutes } from './server/authorization';
export { DEFAULT_MAX_CONNECTIONS_PER_TARGET, MeshClient, type MeshClientOptions, type MeshResponse } from './client/mesh-client';
export { MESH_CALL_FAILURES, MeshCallError, type MeshCallFailure } from './client/call-error';
export { IdentityMismatchError, pinServerIdentity } from './client/pin';
export {
  hardenTlsServer,
  meshFastifyOptions,
  secureFastify,
  SERVER_LIMITS,
  serverLimits,
  type MeshServerContext,
  type ServerLimits,
} from './server/mesh-server';
export { ConnectionAdmission, type AdmissionOptions, type AdmissionStatus } from './server/admission';
export { SHED_DECISIONS, SheddingCounters, type AdmissionGauges, type ShedCounts, type ShedDecision, type ShedLogSink } from './server/shedding';
export { DURATION_BUCKETS, METRIC_NAMES, MeshMetrics, refusalLabel, UNKNOWN_PEER, UNMATCHED_ROUTE, type ClientEdge, type ServerEdge } from './observe/metrics';
export { activeTraceFields, installTracing, type TracingMode } from './observe/tracing';
export { type MeshCallOptions } from './client/mesh-client';
export { currentDeadline, DEADLINE_HEADER, DEADLINE_MARGIN_MS, DEFAULT_BUDGET_MS, withDeadline } from './deadline';
export { FAULTS_ROUTE, faultsEnabled, type Fault } from './server/faults';
