export { signCertificate, type CertificateSpec, type Issuer } from './sign';
export { generateRsaKey, type KeyPair } from './keys';
export { leafProfile, intermediateProfile, rootProfile, type LeafNames } from './profiles';
export { loadOrCreateAuthority, type Authority, type AuthorityChange } from './authority';
export { issueMeshCertificates, leafNames, type IssueOptions, type IssueResult } from './issue';
export { authorityFiles, writeFileAtomic, type AuthorityFiles } from './files';
export { isDueForRenewal, renewalTime, RENEW_AT_FRACTION } from './renewal';
export { writeFilesAtomically, type FileToWrite } from './atomic-dir';
