import type { FastifyInstance } from 'fastify';
import { DEADLINE_HEADER, DEFAULT_BUDGET_MS, parseBudget } from '../deadline';

declare module 'fastify' {
  interface FastifyRequest {
    /** When the caller stops waiting (epoch ms): what the request's mesh calls share out (see request-scope.ts). */
    meshDeadline: number;
  }
}

/**
 * Reads the caller's remaining time from `portcullis-timeout-ms` (or gives the default budget).
 * A request whose deadline is already over is answered 504 without running its handler or
 * reading its body: the caller has gone, and work done for it now would only be work to undo.
 * An `onRequest` hook after the authorization's, so a caller that may not call the route learns
 * nothing else first.
 */
export function installDeadlines(fastify: FastifyInstance, service: string, log: (line: Record<string, unknown>) => void): void {
  fastify.decorateRequest('meshDeadline', 0);
  fastify.addHook('onRequest', (request, reply, done) => {
    const header = request.headers[DEADLINE_HEADER];
    if (header === undefined) {
      request.meshDeadline = Date.now() + DEFAULT_BUDGET_MS;
      done();
      return;
    }
    const parsed = parseBudget(header);
    if (!parsed.ok) {
      void reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: parsed.reason });
      return;
    }
    const budgetMs = parsed.budgetMs ?? DEFAULT_BUDGET_MS;
    if (budgetMs <= 0) {
      log({ level: 'warn', service, message: "caller's deadline had passed; request not served", route: `${request.method} ${request.url}` });
      void reply.code(504).send({ statusCode: 504, error: 'Gateway Timeout', message: "the caller's deadline has passed" });
      return;
    }
    request.meshDeadline = Date.now() + budgetMs;
    done();
  });
}
