// `@portcullis/trust/nest`: the NestJS face of the trust library, on an entry point of its own so that
// what only needs files or TLS (the CA, `mesh certs`, the health probe) never loads NestJS or Fastify.
export { TrustModule } from './trust.module';
export { MESH_CONTEXT } from './tokens';
export { Peer } from './peer.decorator';
export { bootstrapService, type BootstrapOptions } from './bootstrap';
