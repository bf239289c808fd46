export { startLocalMesh, type LocalMesh, type LocalMeshOptions } from './local-mesh';
export { monitorClient, waitUntilHealthy, MONITOR_CLIENT } from './readiness';
export { curlExample, DEMO_CLIENT } from './curl';
export { issueCertificates } from './certs';
export { identityTable, policyTable } from './tables';
export { composeProblems, COMPOSE_ENVIRONMENT, CERTS_JOB, isEdge, RENEWER } from './compose-check';
export {
  runDrill,
  CRASH_GRACE_MS,
  DRILL_OVERLAP_MS,
  REVOKED_CLIENT,
  type CrashStep,
  type CrashTally,
  type DrillOptions,
  type DrillReport,
  type Tally,
} from './drill';
export { renewAll, revokeWorkload, type RunningMesh, type StepTimes } from './lifecycle';
export { rotateAuthority, type RotateOptions } from './rotate';
export { formatClock, formatDuration } from './format';
export { externalClient, type ExternalClient } from './clients';
export { certificateTimeline } from './timeline';
export { SERVICE_NODE_FLAGS } from './service-runtime';
export { generateCompose, publishVariable } from './compose-generate';
export { readmeWithTables } from './tables';
export { generateDerivedFiles, COMPOSE_FILE, README_FILE } from './generate';
export { addService } from './add-service/add-service';
export { addServiceToManifest, type NewService } from './add-service/manifest-edit';
export { scaffoldService, addProjectReference, SERVICE_TEMPLATES } from './add-service/scaffold';
export * from './soak';
export { prometheusConfig, localPrometheusConfig, PROMETHEUS_FILE, PROMETHEUS_JOB, type PrometheusConfigOptions } from './prometheus-config';
export { firstDifferentLine } from './first-different-line';
export { meshStat, type EdgeStat, type ServiceStat, type StatReport, type Traffic } from './stat/compute';
export { histogramQuantile, type Bucket } from './stat/quantile';
export { takeSnapshot, type MetricFamily, type MetricSample, type ServiceScrape, type Snapshot } from './stat/snapshot';
export { renderStat } from './stat/render';
export { DERIVED_FILES, exitCode, formatReport, runDoctor, type DerivedFile, type DoctorOptions, type DoctorReport, type Finding } from './doctor';
export * from './kubernetes';
