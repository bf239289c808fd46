import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CreateReservation, Id, ZodPipe, type InventoryItem, type Reservation } from '@portcullis/contracts';
import { StockService } from './stock.service';

@Controller()
export class InventoryController {
  constructor(private readonly stock: StockService) {}

  @Get('inventory')
  list(): Promise<InventoryItem[]> {
    return this.stock.list();
  }

  /** Idempotent by the reservation id its caller chose. */
  @Post('reservations')
  reserve(@Body(new ZodPipe(CreateReservation)) body: CreateReservation): Promise<Reservation> {
    return this.stock.reserve(body);
  }

  @Post('reservations/:id/confirm')
  @HttpCode(200)
  confirm(@Param('id', new ZodPipe(Id)) id: string): Promise<Reservation> {
    return this.stock.confirm(id);
  }

  @Delete('reservations/:id')
  @HttpCode(204)
  release(@Param('id', new ZodPipe(Id)) id: string): Promise<void> {
    return this.stock.release(id);
  }
}
