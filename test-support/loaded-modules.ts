import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from './temp-mesh';

const RECORDER = join(REPO_ROOT, 'test-support', 'record-loaded-modules.cjs');

/** What a framework-free process must not load: NestJS, Fastify (and its plugins) and rxjs, which NestJS brings. */
export const FRAMEWORK = /@nestjs|fastify|rxjs/;

export interface LoadedModules {
  readonly status: number | null;
  readonly stderr: string;
  /** Absolute paths of every module file the process loaded. */
  readonly files: readonly string[];
}

/**
 * Runs `node <args>` with a preload that records every module the process
 * loads, and returns that list. Runs the built JavaScript (`pnpm build`), as
 * a user would: what loads is decided at run time, not by the sources.
 */
export function loadedModules(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): LoadedModules {
  const scratch = tempDir('modules');
  try {
    const list = join(scratch.dir, 'modules.txt');
    const run = spawnSync(process.execPath, ['--require', RECORDER, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env, LOADED_MODULES_FILE: list },
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (!existsSync(list)) throw new Error(`node ${args.join(' ')} recorded no modules (status ${run.status}): ${run.stderr}`);
    return { status: run.status, stderr: run.stderr, files: readFileSync(list, 'utf8').split('\n').filter(Boolean) };
  } finally {
    scratch.remove();
  }
}

/** The built file `relative` (to the repository), or an error saying to build first. */
export function built(relative: string): string {
  const file = join(REPO_ROOT, relative);
  if (!existsSync(file)) throw new Error(`${relative} is missing; run "pnpm build" first (pnpm test does)`);
  return file;
}
