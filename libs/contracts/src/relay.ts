import { BadGatewayException, HttpException } from '@nestjs/common';
import type { z } from 'zod';

/** The part of a mesh response a caller needs; structurally the trust library's `MeshResponse`. */
export interface UpstreamResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * The answers of a peer that are about the caller's request and so are passed
 * back as they are. Anything else (a 403 between two services is a policy
 * mistake inside the mesh, a 408 or 413 is a problem between services) is the
 * upstream's fault and must not leak internal identities or routes: 502.
 */
const RELAYED = new Set([400, 402, 404, 409, 422]);

/**
 * Turns a peer's response into a value or an exception: 2xx must match
 * `schema`, 400/402/404/409/422 are relayed as they are (409 out of stock, 404
 * unknown order), anything else becomes 502.
 */
export function expectOk<T extends z.ZodType>(target: string, response: UpstreamResponse, schema: T): z.infer<T> {
  if (response.status >= 200 && response.status < 300) {
    const parsed = schema.safeParse(response.body);
    if (parsed.success) return parsed.data;
    throw new BadGatewayException(`${target} answered with an unexpected body`);
  }
  if (RELAYED.has(response.status) && typeof response.body === 'object' && response.body !== null) {
    throw new HttpException(response.body, response.status);
  }
  throw new BadGatewayException(`${target} answered ${response.status}`);
}
