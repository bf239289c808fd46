import { spawn } from 'node:child_process';
import { SERVICE_NODE_FLAGS } from '@portcullis/mesh';
import { pinned } from './processes';

/** A process of the benchmark with an IPC channel (a load generator, a transport side): asked by message, answering by message. */
export interface Child {
  readonly pid: number;
  readonly name: string;
  /** Sends `message` and resolves with the child's next message of `kind`; rejects if the child exits first. */
  ask<Reply extends { readonly kind: string }>(message: { readonly kind: string; readonly [field: string]: unknown }, kind: Reply['kind']): Promise<Reply>;
  /** Resolves with the child's next message of `kind` (for what it says unasked: that it listens). */
  next<Reply extends { readonly kind: string }>(kind: Reply['kind']): Promise<Reply>;
  /** Ends the child: sends `farewell` (for a child that closes its connections first), or SIGTERM; SIGKILL after 5 s. */
  stop(farewell?: { readonly kind: string }): Promise<void>;
}

/**
 * Starts `node <nodeFlags> <script> <args>` (the mesh's Node flags unless told otherwise), pinned
 * to `cpus` when given (taskset execs node, so the pid is node's and /proc/<pid>/stat is its CPU
 * time). The child ends itself when its channel closes, so nothing outlives a benchmark that crashed.
 */
export function startChild(
  name: string,
  script: string,
  args: readonly string[],
  cpus: string | undefined,
  nodeFlags: readonly string[] = SERVICE_NODE_FLAGS,
): Child {
  const [command, argv] = pinned(cpus, process.execPath, [...nodeFlags, script, ...args]);
  const child = spawn(command, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`the ${name} process exited (${signal ?? `code ${code}`})`))),
  );
  exited.catch(() => undefined);
  const next = <Reply extends { readonly kind: string }>(kind: string) =>
    Promise.race([
      new Promise<Reply>((resolve) => {
        const listener = (message: Reply) => {
          if (message.kind !== kind) return;
          child.off('message', listener);
          resolve(message);
        };
        child.on('message', listener);
      }),
      exited,
    ]);
  return {
    pid: child.pid!,
    name,
    next,
    ask: <Reply extends { readonly kind: string }>(message: { readonly kind: string; readonly [field: string]: unknown }, kind: Reply['kind']) => {
      const reply = next<Reply>(kind);
      child.send(message);
      return reply;
    },
    stop: async (farewell) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (farewell) child.send(farewell);
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
