import { certs, certsStatus } from './certs.command';
import type { Command } from './command';
import { doctor } from './doctor.command';
import { drill } from './drill.command';
import { caRotate, renew, revoke } from './certificate-changes.command';
import { addServiceCommand, generate, tables, workloads } from './manifest-files.command';
import { kubernetes, kubernetesRenew } from './kubernetes.command';
import { stat } from './stat.command';
import { up } from './up.command';

export { UsageError, type Command, type CommandInput } from './command';

/** Every `mesh` command, in the order `mesh --help` lists them. */
export const COMMANDS: readonly Command[] = [
  certs,
  certsStatus,
  up,
  renew,
  caRotate,
  revoke,
  drill,
  stat,
  tables,
  generate,
  addServiceCommand,
  workloads,
  doctor,
  kubernetes,
  kubernetesRenew,
];
