export { signCertificate, type CertificateSpec, type Issuer } from './sign';
export { generateRsaKey, type KeyPair } from './keys';
export { leafProfile, intermediateProfile, rootProfile, type LeafNames } from './profiles';
export { createIntermediate, createRoot, loadOrCreateAuthority, type Authority, type AuthorityChange } from './authority';
export { issueMeshCertificates, leafNames, type IssueOptions, type IssueResult } from './issue';
export { authorityFiles, type AuthorityFiles } from './authority-files';
export { isDueForRenewal, renewalTime, RENEW_AT_FRACTION, RENEW_JITTER_FRACTION } from './renewal';
export {
  bundleFingerprints,
  introduceNextAuthority,
  markPublished,
  overlapEndsAt,
  retirePreviousAuthority,
  rotationState,
  switchToNextAuthority,
  type RotationPhase,
  type RotationState,
} from './rotation';
export { readAuthority, readAuthorityPair, writeAuthority, type AuthorityPair } from './authority-store';
export { revokeCurrentCertificate } from './revocation';
export { withAuthorityLock } from './lock';
