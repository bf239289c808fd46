#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { meshLocation } from '@portcullis/trust';
import { COMMANDS, UsageError, type Command } from './commands';

const ENVIRONMENT = `Environment: PORTCULLIS_MANIFEST (default: the nearest mesh.yaml), PORTCULLIS_CERTS (default: certs/ beside it),
PORTCULLIS_ENV (default: local).`;

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `usage: mesh <command> [options]        (mesh <command> --help for its options)\n\n${lines.join('\n')}\n\n${ENVIRONMENT}`;
}

function commandHelp(command: Command): string {
  return `usage: mesh ${command.name}${command.synopsis ? ` ${command.synopsis}` : ''}\n\n${command.help}\n\n${ENVIRONMENT}`;
}

/** The command named by the most words of `argv` (`certs status` before `certs`). */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  const named = COMMANDS.filter((command) => command.name.split(' ').every((word, i) => argv[i] === word));
  const command = named.sort((a, b) => b.name.length - a.name.length)[0];
  return command && { command, rest: argv.slice(command.name.split(' ').length) };
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`mesh: there is no command "${argv.join(' ')}"\n\n${usage()}\n`);
    return 2;
  }
  const { command, rest } = found;
  const print = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      print(commandHelp(command));
      return 0;
    }
    if (!command.positionals && positionals.length > 0)
      throw new UsageError(`mesh ${command.name} takes no ${positionals.length === 1 ? 'argument' : 'arguments'} (${positionals.join(' ')})`);
    return await command.run({ positionals, values, location: meshLocation(), print });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!(error instanceof UsageError) && !code?.startsWith('ERR_PARSE_ARGS_')) throw error;
    process.stderr.write(`mesh ${command.name}: ${(error as Error).message}\n\n${commandHelp(command)}\n`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mesh: ${message}\n`);
    process.exit(1);
  },
);
