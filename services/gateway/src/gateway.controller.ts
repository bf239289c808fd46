import { randomUUID } from 'node:crypto';
import { BadRequestException, Body, Controller, Get, Headers, Param, Post, Res } from '@nestjs/common';
import { z } from 'zod';
import { CreateOrder, expectOk, Id, IDEMPOTENCY_KEY_HEADER, IdempotencyKey, InventoryItem, Order, ZodPipe } from '@portcullis/contracts';
import { MeshClient } from '@portcullis/trust';

/** The part of the reply the gateway sets: the status orders gave, and the key it used. */
interface RelayReply {
  status(code: number): unknown;
  header(name: string, value: string): unknown;
}

/**
 * The edge: external clients call it, it validates what they send before any
 * of it travels further, and relays to the services behind it.
 */
@Controller()
export class GatewayController {
  constructor(private readonly mesh: MeshClient) {}

  @Get('inventory')
  async inventory(): Promise<InventoryItem[]> {
    return expectOk('inventory', await this.mesh.call('inventory', 'GET', '/inventory'), z.array(InventoryItem));
  }

  /**
   * A client's `Idempotency-Key` names its attempt: retried after a timeout, it gets the same order
   * and one charge. A client that sends none gets one made here, and back in the answer's header,
   * so that it can still retry safely.
   */
  @Post('orders')
  async placeOrder(
    @Headers(IDEMPOTENCY_KEY_HEADER) given: string | undefined,
    @Body(new ZodPipe(CreateOrder)) body: CreateOrder,
    @Res({ passthrough: true }) reply: RelayReply,
  ): Promise<Order> {
    const parsed = IdempotencyKey.safeParse(given ?? randomUUID());
    if (!parsed.success) throw new BadRequestException(`Idempotency-Key ${parsed.error.issues[0]!.message}`);
    reply.header(IDEMPOTENCY_KEY_HEADER, parsed.data);
    const response = await this.mesh.call('orders', 'POST', '/orders', body, { headers: { [IDEMPOTENCY_KEY_HEADER]: parsed.data } });
    const order = expectOk('orders', response, Order);
    reply.status(response.status);
    return order;
  }

  @Get('orders/:id')
  async order(@Param('id', new ZodPipe(Id)) id: string): Promise<Order> {
    return expectOk('orders', await this.mesh.call('orders', 'GET', `/orders/${encodeURIComponent(id)}`), Order);
  }
}
