import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { MeshContext } from '../context';
import { MESH_CONTEXT } from './tokens';

/**
 * `GET /metrics`, which every service serves (the manifest's `commonRoutes` allows it to
 * `monitor` only): Prometheus' text format, or prom-client's JSON when the caller asks for
 * `application/json` (what `mesh stat` reads).
 */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(MESH_CONTEXT) private readonly context: MeshContext) {}

  @Get()
  async metrics(@Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const { registry } = this.context.metrics;
    if (accept?.includes('application/json')) return registry.getMetricsAsJSON();
    void reply.header('content-type', registry.contentType);
    return registry.metrics();
  }
}
