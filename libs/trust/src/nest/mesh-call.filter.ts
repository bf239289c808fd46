import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MeshCallError } from '../client/call-error';

/** A peer that could not be reached is the upstream's fault: 502 with a JSON body, never a 500. */
@Catch(MeshCallError)
export class MeshCallFilter implements ExceptionFilter {
  catch(error: MeshCallError, host: ArgumentsHost): void {
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .code(502)
      .send({ statusCode: 502, error: 'Bad Gateway', message: `${error.target} is unavailable`, target: error.target });
  }
}
