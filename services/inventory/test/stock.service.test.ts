import { NotFoundException } from '@nestjs/common';
import { RESERVATIONS_KEPT, StockService } from '../src/stock.service';

describe('the stock held in memory', () => {
  it('remembers only the most recent reservations, so memory stays flat however many orders come', () => {
    const stock = new StockService();
    const before = stock.list().find((line) => line.sku === 'WIDGET-1')!.available;
    const ids = Array.from({ length: RESERVATIONS_KEPT + 10 }, () => stock.reserve({ sku: 'WIDGET-1', quantity: 1 }).id);

    // The oldest ones are final: their stock stays sold, and they can no longer be released.
    expect(() => stock.release(ids[0]!)).toThrow(NotFoundException);
    expect(() => stock.release(ids[9]!)).toThrow(NotFoundException);
    // The most recent ones still can, and give their stock back.
    stock.release(ids[10]!);
    stock.release(ids.at(-1)!);
    expect(stock.list().find((line) => line.sku === 'WIDGET-1')!.available).toBe(before - ids.length + 2);
  });
});
