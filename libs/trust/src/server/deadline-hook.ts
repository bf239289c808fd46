import type { FastifyInstance } from 'fastify';
import { DEADLINE_HEADER, DEFAULT_BUDGET_MS, parseBudget, withDeadline } from '../deadline';

/**
 * Reads the caller's remaining time from `portcullis-timeout-ms` and serves the request inside it,
 * so that every mesh call the handler makes gets what remains (less a margin) and none starts
 * once it has passed. A request whose deadline is already over is answered 504 without running
 * its handler: the caller has gone, and work done for it now would only be work to undo.
 *
 * In `preValidation`, after the body is read: the body parser's stream callbacks can run in the
 * socket's async context and lose one entered earlier (why @fastify/request-context offers this hook).
 */
export function installDeadlines(fastify: FastifyInstance, service: string, log: (line: Record<string, unknown>) => void): void {
  fastify.addHook('preValidation', (request, reply, done) => {
    const parsed = parseBudget(request.headers[DEADLINE_HEADER]);
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
    withDeadline(Date.now() + budgetMs, done);
  });
}
