import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { MeshClient } from '../client/mesh-client';
import type { MeshContext } from '../context';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MESH_CONTEXT } from './tokens';

/** Closes the mesh client's pooled connections when Nest shuts down. */
class MeshClientLifecycle implements OnApplicationShutdown {
  constructor(private readonly client: MeshClient) {}
  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}

/**
 * The NestJS face of the trust library: makes the `MeshContext` and a
 * `MeshClient` injectable everywhere, and serves `GET /healthz` and `GET /metrics`.
 * `bootstrapService` imports it; services never import it themselves.
 */
@Module({})
export class TrustModule {
  static forRoot(context: MeshContext): DynamicModule {
    const client = new MeshClient({
      manifest: context.manifest,
      environment: context.environment,
      self: context.service,
      source: context.source,
      metrics: context.metrics,
      logger: context.logger,
    });
    return {
      module: TrustModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: MESH_CONTEXT, useValue: context },
        { provide: MeshClient, useValue: client },
        { provide: MeshClientLifecycle, useValue: new MeshClientLifecycle(client) },
      ],
      exports: [MESH_CONTEXT, MeshClient],
    };
  }
}
