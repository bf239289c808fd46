import type { FastifyInstance } from 'fastify';
import { withDeadline } from '../deadline';
import { withRequestTrace } from '../observe/tracing';

/**
 * The async context a handler runs in: the request's deadline, which every mesh call made from
 * it shares out, and its trace, which those calls continue and the log lines name. Entered in
 * `preHandler`, once the body has been read: the body parser's stream callbacks can run in the
 * socket's async context and lose one entered earlier (why @fastify/request-context offers this
 * hook); the handler runs next, synchronously.
 *
 * A service whose manifest entry calls nobody makes no mesh call to hand a deadline to, so it
 * skips that scope (an AsyncLocalStorage run per request) and enters only a trace's, when a
 * request brought one.
 */
export function installRequestScope(fastify: FastifyInstance, makesCalls: boolean): void {
  if (makesCalls) {
    fastify.addHook('preHandler', (request, _reply, done) => {
      const trace = request.meshTrace;
      if (trace) withDeadline(request.meshDeadline, () => withRequestTrace(trace, done));
      else withDeadline(request.meshDeadline, done);
    });
  } else {
    fastify.addHook('preHandler', (request, _reply, done) => withRequestTrace(request.meshTrace ?? undefined, done));
  }
}
