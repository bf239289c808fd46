import { resolve } from 'node:path';

/** The repository root, from bench/dist. */
export const REPO_ROOT = resolve(__dirname, '..', '..');
export const REPO_MANIFEST = resolve(REPO_ROOT, 'mesh.yaml');
/** Where `pnpm bench` writes its report, figures and chart. */
export const REPORT_DIR = resolve(REPO_ROOT, 'bench');
