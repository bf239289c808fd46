import { loadManifest } from '@portcullis/manifest';
import type { MeshLocation } from '@portcullis/trust';
import { formatDuration } from '../format';
import type { RunningMesh, StepTimes } from '../lifecycle';
import { monitorClient } from '../readiness';

/** Runs `work` against the running mesh, checking it as the manifest's monitor client. */
export async function onRunningMesh<T>(location: MeshLocation, work: (mesh: RunningMesh) => Promise<T>): Promise<T> {
  const manifest = loadManifest(location.manifestFile);
  const monitor = monitorClient(manifest, location.certsDir, location.environment);
  try {
    return await work({ manifest, certsDir: location.certsDir, monitor: monitor.client });
  } finally {
    await monitor.close();
  }
}

/** `renew: taken up by every service in 0.8 s`, one line per step. */
export function printSteps(times: StepTimes, print: (line: string) => void): void {
  for (const [step, ms] of Object.entries(times)) print(`${step}: taken up by every service in ${formatDuration(ms)}`);
}
