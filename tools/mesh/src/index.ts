export { startLocalMesh, type LocalMesh, type LocalMeshOptions } from './local-mesh';
export { monitorClient, waitUntilHealthy, MONITOR_CLIENT } from './readiness';
export { curlExample, DEMO_CLIENT } from './curl';
export { issueCertificates } from './certs';
export { identityTable, policyTable } from './tables';
export { composeProblems, COMPOSE_ENVIRONMENT, CERTS_JOB } from './compose-check';
