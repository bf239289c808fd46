import { BadGatewayException, HttpException } from '@nestjs/common';
import type { z } from 'zod';

/** The part of a mesh response a caller needs; structurally the trust library's `MeshResponse`. */
export interface UpstreamResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Turns a peer's response into a value or an exception: 2xx must match
 * `schema`, a 4xx is the caller's problem and is relayed as it is (409 out of
 * stock, 404 unknown order), anything else is the upstream's fault: 502.
 */
export function expectOk<T extends z.ZodType>(target: string, response: UpstreamResponse, schema: T): z.infer<T> {
  if (response.status >= 200 && response.status < 300) {
    const parsed = schema.safeParse(response.body);
    if (parsed.success) return parsed.data;
    throw new BadGatewayException(`${target} answered with an unexpected body`);
  }
  if (response.status >= 400 && response.status < 500 && typeof response.body === 'object' && response.body !== null) {
    throw new HttpException(response.body, response.status);
  }
  throw new BadGatewayException(`${target} answered ${response.status}`);
}
