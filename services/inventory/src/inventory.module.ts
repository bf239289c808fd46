import { Module } from '@nestjs/common';
import { InventoryController } from './inventory.controller';
import { StockRepository } from './stock.repository';
import { StockService } from './stock.service';

@Module({ controllers: [InventoryController], providers: [StockRepository, StockService] })
export class InventoryModule {}
