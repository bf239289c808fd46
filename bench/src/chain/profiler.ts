/**
 * A CPU profile of a running service on demand, for the chain's profile step: the first SIGWINCH
 * starts V8's sampling profiler (through node:inspector, in the process), the second stops it and
 * writes `<PORTCULLIS_BENCH_PROFILE_DIR>/<service pid>.cpuprofile`. `--cpu-prof` would profile
 * start-up and warm-up too, and writes nothing when Nest's shutdown hooks re-raise SIGTERM.
 * Loaded by the bench's preloads only (`node --require`), never by a service of its own accord.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

export function profileOnSignal(dir: string | undefined): void {
  if (!dir) return;
  let session: Session | undefined;
  process.on('SIGWINCH', () => {
    if (!session) {
      session = new Session();
      session.connect();
      session.post('Profiler.enable', () => session!.post('Profiler.setSamplingInterval', { interval: 500 }, () => session!.post('Profiler.start')));
      return;
    }
    const current = session;
    session = undefined;
    current.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
      current.disconnect();
    });
  });
}
