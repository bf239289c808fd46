/**
 * The inventory service's own module outside the mesh bootstrap, to take the
 * cost of mTLS apart: `plaintext` serves it with no TLS at all (the upper
 * bound, and the app behind the sidecar); `tls-only` adds exactly the HTTPS
 * options Portcullis uses (client certificates required and checked by
 * OpenSSL) but none of its per-request work (no SPIFFE authorization, no
 * hardening hooks). Same controller, same response, same Fastify limits.
 * Run as a process: `node inventory-app.js plaintext|tls-only <host> <port> [certsDir]`.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { InventoryModule } from '@portcullis/inventory/dist/inventory.module';
import { DEFAULT_ENVIRONMENT, meshFastifyOptions, openMeshContext, SERVER_LIMITS } from '@portcullis/trust';
import { REPO_MANIFEST } from '../paths';
import { SERVICE } from './target';

function fastifyOptions(mode: string, certsDir: string | undefined) {
  if (mode === 'plaintext') {
    return {
      bodyLimit: SERVER_LIMITS.bodyLimitBytes,
      requestTimeout: SERVER_LIMITS.requestTimeoutMs,
      keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
      exposeHeadRoutes: false,
      return503OnClosing: true,
    };
  }
  // The identity and TLS settings exactly as the service itself loads them.
  const { source, manifest } = openMeshContext(SERVICE, { manifestFile: REPO_MANIFEST, environment: DEFAULT_ENVIRONMENT, certsDir: certsDir! });
  return meshFastifyOptions(source, manifest.tls.minVersion);
}

async function main([mode = 'plaintext', host = '127.0.0.1', port = '8080', certsDir]: string[]): Promise<void> {
  const adapter = new FastifyAdapter(fastifyOptions(mode, certsDir));
  const app = await NestFactory.create<NestFastifyApplication>(InventoryModule, adapter, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen({ host, port: Number(port) });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`inventory app: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
