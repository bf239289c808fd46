import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { CreateOrder, ZodPipe, type Order } from '@portcullis/contracts';
import { OrdersService } from './orders.service';

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  place(@Body(new ZodPipe(CreateOrder)) body: CreateOrder): Promise<Order> {
    return this.orders.place(body);
  }

  @Get(':id')
  find(@Param('id') id: string): Order {
    return this.orders.find(id);
  }
}
