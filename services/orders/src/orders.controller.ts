import { BadRequestException, Body, Controller, Get, Headers, Param, Post, Res } from '@nestjs/common';
import { CreateOrder, Id, IDEMPOTENCY_KEY_HEADER, IdempotencyKey, ZodPipe, type Order } from '@portcullis/contracts';
import { OrdersService } from './orders.service';

/** The part of the reply the controller sets: 201 for a confirmed order, 202 for a pending one. */
interface StatusReply {
  status(code: number): unknown;
}

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  async place(
    @Headers(IDEMPOTENCY_KEY_HEADER) key: string | undefined,
    @Body(new ZodPipe(CreateOrder)) body: CreateOrder,
    @Res({ passthrough: true }) reply: StatusReply,
  ): Promise<Order> {
    if (key === undefined) throw new BadRequestException('the Idempotency-Key header is required');
    const parsed = IdempotencyKey.safeParse(key);
    if (!parsed.success) throw new BadRequestException(`Idempotency-Key ${parsed.error.issues[0]!.message}`);
    const placed = await this.orders.place(parsed.data, body);
    reply.status(placed.status);
    return placed.order;
  }

  @Get(':id')
  find(@Param('id', new ZodPipe(Id)) id: string): Promise<Order> {
    return this.orders.find(id);
  }
}
