import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.portcullisMesh?.stop();
  const handle = process.env.PORTCULLIS_E2E_MESH;
  if (handle) rmSync((JSON.parse(handle) as { workdir: string }).workdir, { recursive: true, force: true });
}
