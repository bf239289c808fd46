import { rmSync } from 'node:fs';
import { ENV } from './mesh-under-test';

export default async function globalTeardown(): Promise<void> {
  await globalThis.portcullisMesh?.stop();
  const workdir = process.env[ENV.workdir];
  if (workdir) rmSync(workdir, { recursive: true, force: true });
}
