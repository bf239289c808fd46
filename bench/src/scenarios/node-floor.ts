import { setTimeout as sleep } from 'node:timers/promises';
import { memoryOf, startProcess, type Memory } from '../processes';

/** What an idle Node process with no code of ours occupies: the floor under every service's figure. */
export async function nodeFloor(): Promise<Memory> {
  const idle = startProcess('node', process.execPath, ['-e', 'setInterval(() => {}, 60_000)']);
  try {
    await sleep(1_000);
    return memoryOf(idle.pid);
  } finally {
    await idle.stop();
  }
}
