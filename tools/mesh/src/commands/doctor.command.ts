import { meshLocation } from '@portcullis/trust';
import { exitCode, formatReport, runDoctor } from '../doctor';
import type { Command } from './command';

export const doctor: Command = {
  name: 'doctor',
  summary: 'hold the files, the certificates and the running mesh against mesh.yaml',
  synopsis: '[--env local|compose] [--json] [--strict]',
  help: `Checks the files derived from mesh.yaml, the certificates on disk and every running service (as the monitor
client, step by step: TCP, TLS, GET /healthz), and prints one line per check, each problem with its fix. Only reads.
  --env <name>   the environment to check (default: PORTCULLIS_ENV, or local)
  --json         the findings as JSON
  --strict       exit 1 on a warning too (by default only on an error)`,
  options: { env: { type: 'string' }, json: { type: 'boolean' }, strict: { type: 'boolean' } },
  async run({ values, location, print }) {
    const environment = typeof values.env === 'string' ? values.env : undefined;
    const report = await runDoctor(environment ? meshLocation({ ...process.env, PORTCULLIS_ENV: environment }) : location);
    print(values.json === true ? JSON.stringify(report, null, 2) : formatReport(report));
    return exitCode(report, values.strict === true);
  },
};
