import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { prettyFactory } from 'pino-pretty';

/**
 * Where `mesh up` keeps every line each service wrote: `logs/<service>.log` beside `certs/`
 * (gitignored), one JSON object per line as the service wrote it, whatever the level shown on
 * the terminal. The runner's own lines (renewals) go to `logs/mesh.log`.
 */
export function logsDirBeside(certsDir: string): string {
  return join(certsDir, '..', 'logs');
}

export interface ServiceLogFiles {
  write(service: string, line: string): void;
  close(): void;
}

export function serviceLogFiles(dir: string): ServiceLogFiles {
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, number>();
  return {
    write(service, line) {
      let fd = files.get(service);
      if (fd === undefined) {
        fd = openSync(join(dir, `${service}.log`), 'a');
        files.set(service, fd);
      }
      // Synchronous appends: a few lines a second at info, and nothing is lost when Ctrl-C comes.
      writeSync(fd, `${line}\n`);
    },
    close() {
      for (const fd of files.values()) closeSync(fd);
      files.clear();
    },
  };
}

/**
 * How a service's line is shown on the runner's terminal: pretty (pino-pretty: time, level,
 * service, message, then the other fields) when a person is watching, the JSON line as it is
 * when the output goes to a file or a pipe. Lines that are not JSON get the service's name.
 */
export function terminalFormat(pretty: boolean): (service: string, line: string) => string {
  const prettify = pretty
    ? prettyFactory({
        colorize: true,
        messageKey: 'message',
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'service,spiffe_id,pid,hostname',
        messageFormat: '{service}: {message}',
        singleLine: true,
      })
    : undefined;
  return (service, line) => {
    if (!line.startsWith('{')) return `[${service}] ${line}`;
    if (!prettify) return line;
    try {
      return prettify(JSON.parse(line) as object).trimEnd();
    } catch {
      return `[${service}] ${line}`;
    }
  };
}
