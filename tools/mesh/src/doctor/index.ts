export { runDoctor, type DoctorOptions } from './doctor';
export { DERIVED_FILES, type DerivedFile } from './derived-files';
export { exitCode, formatReport, type DoctorReport } from './report';
export type { Finding, Level } from './finding';
