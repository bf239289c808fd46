import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { MeshPeer } from '../server/peer';

/** The authenticated caller of the current request: `handler(@Peer() peer: MeshPeer)`. */
export const Peer = createParamDecorator((_: unknown, context: ExecutionContext): MeshPeer | null => context.switchToHttp().getRequest<FastifyRequest>().peer);
