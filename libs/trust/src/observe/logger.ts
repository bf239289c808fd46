import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import type { AuditSink } from '../audit';
import { activeTraceFields } from './tracing';

export type { Logger as MeshLogger } from 'pino';

/** The environment variable that sets every service's log level. */
export const LOG_LEVEL_VARIABLE = 'PORTCULLIS_LOG_LEVEL';
export const DEFAULT_LOG_LEVEL: Level = 'info';
const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** The level `PORTCULLIS_LOG_LEVEL` asks for; a misspelt one stops the service with one sentence. */
export function logLevel(env: NodeJS.ProcessEnv = process.env): Level {
  const wanted = env[LOG_LEVEL_VARIABLE]?.trim().toLowerCase();
  if (!wanted) return DEFAULT_LOG_LEVEL;
  if (!(LEVELS as readonly string[]).includes(wanted)) {
    throw new Error(`${LOG_LEVEL_VARIABLE}="${env[LOG_LEVEL_VARIABLE]}" is not a log level; use one of ${LEVELS.join(', ')} (default ${DEFAULT_LOG_LEVEL})`);
  }
  return wanted as Level;
}

export interface LoggerOptions {
  readonly service: string;
  /** The service's SPIFFE ID, on every line: two replicas of a name are told apart by their logs' identity. */
  readonly spiffeId: string;
  readonly level?: Level;
  /** Where the JSON lines go (default: stdout). */
  readonly destination?: DestinationStream;
}

/**
 * One JSON object per line on stdout, whatever the terminal: the runner pretty-prints them
 * for people, log pipelines read them as they are. Levels are written as words (`"warn"`),
 * the message under `message`, the time in ISO 8601, and the trace of the request being
 * served (when there is one) as `trace_id` and `span_id`.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? logLevel(),
      base: { service: options.service, spiffe_id: options.spiffeId },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: activeTraceFields,
      // Fields given with the line win over the active context's (an onResponse hook passes its request's own).
      mixinMergeStrategy: (given, mixed) => Object.assign(mixed, given),
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** NestJS's own messages (start-up, route mapping, errors) through the same pino logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    // Nest passes (message, stack, context) for an exception and (message, context) otherwise.
    if (rest.length >= 2 && typeof rest[0] === 'string') this.write('error', message, rest.slice(1), { stack: rest[0] });
    else this.write('error', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  private write(level: Level, message: unknown, rest: readonly unknown[], extra: Record<string, unknown> = {}): void {
    if (!this.logger.isLevelEnabled(level)) return;
    // Nest's last argument is the context (the class that logs), when it gives one.
    const context = typeof rest.at(-1) === 'string' ? { context: rest.at(-1) as string } : {};
    if (message instanceof Error) this.logger[level]({ ...context, ...extra, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) {
      const { message: text, ...fields } = message as Record<string, unknown>;
      this.logger[level]({ ...context, ...extra, ...fields }, typeof text === 'string' ? text : '');
    } else this.logger[level]({ ...context, ...extra }, String(message));
  }
}

/**
 * The refusal audit as pino events: `mtls.refused` and `mtls.refused.summary` at warn, with
 * the fields the audit gives them (the service and time come from the logger's own).
 */
export function auditToLogger(logger: Logger): AuditSink {
  return (record) => {
    const { service: _service, ...fields } = record;
    logger.warn(
      fields,
      record.event === 'mtls.refused' ? `peer refused at the ${String(record.stage)}: ${String(record.reason)}` : 'peer refusals past the log rate, counted',
    );
  };
}

/**
 * A component that writes its own JSON lines (the admission's shedding report) through the logger:
 * its time, level and service give way to the logger's own, its other fields are kept.
 */
export function jsonLineToLogger(logger: Logger): (line: string) => void {
  return (line) => {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      logger.warn(line);
      return;
    }
    const { time: _time, level, service: _service, message, msg, ...fields } = record;
    const text = typeof message === 'string' ? message : typeof msg === 'string' ? msg : String(fields.event ?? '');
    const chosen = typeof level === 'string' && (LEVELS as readonly string[]).includes(level) ? (level as Level) : 'warn';
    logger[chosen](fields, text);
  };
}
