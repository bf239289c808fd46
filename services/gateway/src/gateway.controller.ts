import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { CreateOrder, expectOk, Id, InventoryItem, Order, ZodPipe } from '@portcullis/contracts';
import { MeshClient } from '@portcullis/trust';

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

  @Post('orders')
  async placeOrder(@Body(new ZodPipe(CreateOrder)) body: CreateOrder): Promise<Order> {
    return expectOk('orders', await this.mesh.call('orders', 'POST', '/orders', body), Order);
  }

  @Get('orders/:id')
  async order(@Param('id', new ZodPipe(Id)) id: string): Promise<Order> {
    return expectOk('orders', await this.mesh.call('orders', 'GET', `/orders/${encodeURIComponent(id)}`), Order);
  }
}
