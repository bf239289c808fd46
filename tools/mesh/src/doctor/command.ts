import { meshLocation } from '@portcullis/trust';
import { runDoctor } from './doctor';
import { exitCode, formatReport } from './report';

/** `mesh doctor [--env local|compose] [--json] [--strict]`; `--env` overrides PORTCULLIS_ENV. */
export async function doctorCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  const envArg = args.find((arg) => arg.startsWith('--env'));
  const environment = envArg?.includes('=') ? envArg.split('=')[1] : envArg ? args[args.indexOf(envArg) + 1] : undefined;
  const location = meshLocation(environment ? { ...process.env, PORTCULLIS_ENV: environment } : process.env);
  const report = await runDoctor(location);
  print(args.includes('--json') ? JSON.stringify(report, null, 2) : formatReport(report));
  return exitCode(report, args.includes('--strict'));
}
