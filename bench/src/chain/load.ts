import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { GeneratorRequest, StepOutcome, StepRequest } from './load-protocol';

/** The load generator as a process of its own (load-generator.ts), one per contender, its connections kept between steps. */
export interface LoadGenerator {
  readonly pid: number;
  step(step: StepRequest): Promise<StepOutcome>;
  close(): Promise<void>;
}

export async function startLoadGenerator(request: GeneratorRequest): Promise<LoadGenerator> {
  const child: ChildProcess = fork(join(__dirname, 'load-generator.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the load generator exited (code ${code})`))));
  exited.catch(() => undefined);
  const next = <T>(kind: string) =>
    Promise.race([
      new Promise<T>((resolve) => {
        const listener = (message: { kind: string } & T) => {
          if (message.kind !== kind) return;
          child.off('message', listener);
          resolve(message);
        };
        child.on('message', listener);
      }),
      exited,
    ]);
  child.send({ kind: 'open', request });
  await next('opened');
  return {
    pid: child.pid!,
    step: async (step) => {
      child.send({ kind: 'step', step });
      return (await next<{ outcome: StepOutcome }>('outcome')).outcome;
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ kind: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
