export { currentVersion, DATA_LINK, identityFiles, linksThroughData, type IdentityFiles } from './workload-files';
export { replaceDirectoryFiles, type FileToWrite } from './replace-directory';
export { writeFileAtomically } from './write-file';
export { DENY_LIST_GRACE_MS, denyListLine, parseDenyList, withoutExpiredEntries, type DenyListEntry } from './deny-list';
export { pemCertificates } from './pem';
export { subjectAltNames, type SubjectAltNames } from './subject-alt-names';
