export {
  KUBERNETES_ENVIRONMENT,
  DEPLOY_DIR,
  GENERATE_COMMAND,
  kubernetesMesh,
  kubernetesAddressFor,
  podLabels,
  identitySecretName,
  type KubernetesMesh,
  type KubernetesService,
} from './environment';
export { kubernetesFiles, renderFile, writeKubernetesFiles, kubernetesProblems } from './files';
export { KUBE_DNS } from './network-policies';
export { MESH_RENEWER } from './mesh-renewer';
export { CA_ISSUER, TRUST_BUNDLE, REVOKED_CONFIGMAP, ROOTS_SECRET } from './cert-manager';
export { SERVICE_RESOURCES, HEALTH_PROBE } from './base';
export { identitySecret, sameData, type IdentitySecret } from './identity-secret';
export { renewIntoSecrets, type SecretStore } from './renew';
export { allowedEdges, type Endpoint, type NetworkPolicy, type PortProtocol } from './policy-edges';
export { goDuration } from './durations';
export type { GeneratedFile, KubeObject } from './objects';
