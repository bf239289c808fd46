import type { ParseArgsOptionsConfig } from 'node:util';
import { parseDuration } from '@portcullis/manifest';
import type { MeshLocation } from '@portcullis/trust';

/** What a command gets: its parsed arguments, where the mesh is, and where to print. */
export interface CommandInput {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly location: MeshLocation;
  readonly print: (line: string) => void;
}

/** One `mesh` command: its words, its help, its options (node:util parseArgs) and what it does. */
export interface Command {
  /** The words that name it: `certs`, `ca rotate`, `add service`. */
  readonly name: string;
  /** One short line for `mesh --help`. */
  readonly summary: string;
  /** Arguments after the name, as `--help` shows them. */
  readonly synopsis: string;
  /** One or more lines of help: what it does, and each option. */
  readonly help: string;
  readonly options?: ParseArgsOptionsConfig;
  /** Whether it takes positional arguments (names); extra words are refused otherwise. */
  readonly positionals?: boolean;
  run(input: CommandInput): Promise<number>;
}

/** A usage mistake: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A whole number option of at least 1, `fallback` when absent. */
export function wholeNumber(input: CommandInput, name: string, fallback: number): number {
  const text = input.values[name];
  if (text === undefined) return fallback;
  if (typeof text !== 'string' || !/^[1-9]\d*$/.test(text)) throw new UsageError(`--${name} takes a whole number of at least 1, not "${String(text)}"`);
  return Number(text);
}

/** A duration option in the manifest's syntax (30s, 10m, 1h), undefined when absent. */
export function duration(input: CommandInput, name: string): number | undefined {
  const text = input.values[name];
  if (text === undefined) return undefined;
  try {
    return parseDuration(String(text));
  } catch {
    throw new UsageError(`--${name} takes a duration like 30s, 10m or 1h, not "${String(text)}"`);
  }
}

/** A comma-separated list option that may also be given more than once: `--calls a,b --calls c`. */
export function list(input: CommandInput, name: string): string[] {
  const value = input.values[name];
  const given = value === undefined ? [] : Array.isArray(value) ? value : [String(value)];
  return given
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Waits for Ctrl-C or a stop from a supervisor. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
