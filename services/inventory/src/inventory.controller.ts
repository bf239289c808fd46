import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CreateReservation, Id, ZodPipe, type InventoryItem, type Reservation } from '@portcullis/contracts';
import { StockService } from './stock.service';

@Controller()
export class InventoryController {
  constructor(private readonly stock: StockService) {}

  @Get('inventory')
  list(): InventoryItem[] {
    return this.stock.list();
  }

  @Post('reservations')
  reserve(@Body(new ZodPipe(CreateReservation)) body: CreateReservation): Reservation {
    return this.stock.reserve(body);
  }

  @Delete('reservations/:id')
  @HttpCode(204)
  release(@Param('id', new ZodPipe(Id)) id: string): void {
    this.stock.release(id);
  }
}
