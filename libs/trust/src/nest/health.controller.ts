import { Controller, Get, Inject } from '@nestjs/common';
import type { MeshContext } from '../context';
import { MESH_CONTEXT } from './tokens';

/** `GET /healthz`, which every service serves; the manifest's `commonRoutes` says who may call it. */
@Controller('healthz')
export class HealthController {
  constructor(@Inject(MESH_CONTEXT) private readonly context: MeshContext) {}

  @Get()
  health() {
    const identity = this.context.source.current();
    return {
      status: 'ok',
      service: this.context.service.name,
      id: identity.id,
      certificate: {
        notAfter: identity.leaf.validToDate.toISOString(),
        serial: identity.leaf.serialNumber,
        // The intermediate that signed it, so that a CA rotation can tell old leaves from new ones.
        intermediate: identity.intermediate?.fingerprint256 ?? null,
        refusedUpdates: this.context.source.refusedUpdates,
      },
      // What the service trusts, so a CA rotation can wait until every service has the new bundle.
      bundle: identity.bundle.map((root) => root.fingerprint256),
      revoked: [...identity.revoked],
      // Handshakes and requests refused since start: each is logged as mtls.refused, or past the log's rate counted in an mtls.refused.summary line.
      refusedPeers: this.context.audit.refusedCount,
      // Connections shed before their handshake (per address, oldest evicted, deadline) and the pools now.
      admission: this.context.admission.status(),
      // Which manifest this process runs, and its clock: `pnpm mesh doctor` compares both with its own.
      manifestRevision: this.context.manifestRevision,
      time: new Date().toISOString(),
      // When this process started: after a crash and a restart, another time (the drill's crash step waits for one).
      startedAt: new Date(performance.timeOrigin).toISOString(),
    };
  }
}
