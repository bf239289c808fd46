import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { routeKey } from '../authorize';

/**
 * Fault injection, as Istio's `fault` (delay, abort) and emojivoto's failure rate: a service started
 * with PORTCULLIS_FAULTS=1 can be told at run time, by `PUT /faults` (which the manifest allows only
 * to the identities it names, the monitor), to answer a route late or not at all.
 *
 * `when: 'after'` is the dangerous case a mesh must survive: the handler ran and its work is done
 * (the money taken, the stock reserved), and the answer arrives after the caller gave up, or never
 * (`abort` after: the connection is cut). `when: 'before'` delays or refuses before any work.
 */
export const FAULTS_ROUTE = { method: 'PUT', url: '/faults' } as const;

const Fault = z.strictObject({
  route: z.string().regex(/^[A-Z]+ \/\S*$/, 'must be "METHOD /path" as in mesh.yaml'),
  when: z.enum(['before', 'after']),
  delayMs: z.number().int().min(0).max(120_000).default(0),
  /** Before: answer this status instead. After: cut the connection once the handler has run. */
  abort: z.union([z.int().min(400).max(599), z.literal(true)]).optional(),
});
export type Fault = z.infer<typeof Fault>;
const Faults = z.strictObject({ faults: z.array(Fault).max(32) });

export function faultsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PORTCULLIS_FAULTS === '1';
}

export function installFaults(fastify: FastifyInstance, service: string, enabled: boolean, log: (line: Record<string, unknown>) => void): void {
  let faults: Fault[] = [];
  const find = (request: FastifyRequest, when: Fault['when']): Fault | undefined => {
    if (faults.length === 0 || request.routeOptions.url === undefined) return undefined;
    const route = routeKey(request.method, request.routeOptions.url);
    return faults.find((fault) => fault.route === route && fault.when === when);
  };

  fastify.route({
    ...FAULTS_ROUTE,
    handler: async (request, reply) => {
      if (!enabled) {
        return reply
          .code(404)
          .send({ statusCode: 404, error: 'Not Found', message: `fault injection is off in ${service}; start it with PORTCULLIS_FAULTS=1` });
      }
      const parsed = Faults.safeParse(request.body);
      if (!parsed.success) {
        return reply
          .code(400)
          .send({ statusCode: 400, error: 'Bad Request', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      }
      faults = parsed.data.faults;
      log({ level: 'warn', service, message: 'faults set', faults, by: request.peer?.name ?? null });
      return reply.code(200).send({ faults });
    },
  });
  if (!enabled) return;

  fastify.addHook('preHandler', async (request, reply) => {
    const fault = find(request, 'before');
    if (!fault) return;
    log({ level: 'warn', service, message: 'fault injected before the handler', ...fault });
    if (fault.delayMs > 0) await sleep(fault.delayMs);
    if (fault.abort !== undefined) {
      const status = fault.abort === true ? 503 : fault.abort;
      await reply.code(status).send({ statusCode: status, error: 'Injected Fault', message: `fault injected in ${service}` });
    }
  });
  fastify.addHook('onSend', async (request, _reply, payload) => {
    const fault = find(request, 'after');
    if (!fault) return payload;
    log({ level: 'warn', service, message: 'fault injected after the handler ran', ...fault });
    if (fault.delayMs > 0) await sleep(fault.delayMs);
    if (fault.abort !== undefined) request.raw.socket.destroy();
    return payload;
  });
}
