import { tempDir } from '../../../test-support/temp-mesh';
import { StockRepository } from '../src/stock.repository';

const available = (stock: StockRepository, sku: string): number => stock.list().find((line) => line.sku === sku)!.available;

describe('the stock on disk', () => {
  const temp = tempDir('inventory');
  const previous = process.env.PORTCULLIS_DATA;
  beforeAll(() => (process.env.PORTCULLIS_DATA = temp.dir));
  afterAll(() => {
    if (previous === undefined) delete process.env.PORTCULLIS_DATA;
    else process.env.PORTCULLIS_DATA = previous;
    temp.remove();
  });

  it('reserves once per id, refuses an id released before it was made, and expires what nobody confirmed', () => {
    const stock = new StockRepository();
    const before = available(stock, 'GIZMO-3');
    expect(stock.reserve({ id: 'res_00000000000000a1', sku: 'GIZMO-3', quantity: 2 }, 60_000).kind).toBe('reserved');
    expect(stock.reserve({ id: 'res_00000000000000a1', sku: 'GIZMO-3', quantity: 2 }, 60_000).kind).toBe('replayed');
    expect(stock.reserve({ id: 'res_00000000000000a1', sku: 'GIZMO-3', quantity: 3 }, 60_000).kind).toBe('mismatch');
    expect(available(stock, 'GIZMO-3')).toBe(before - 2);

    expect(stock.release('res_00000000000000b2').kind).toBe('tombstone');
    expect(stock.reserve({ id: 'res_00000000000000b2', sku: 'GIZMO-3', quantity: 1 }, 60_000).kind).toBe('released');

    expect(stock.reserve({ id: 'res_00000000000000c3', sku: 'GIZMO-3', quantity: 1 }, 1).kind).toBe('reserved');
    expect(stock.expire(new Date(Date.now() + 10)).map((r) => r.id)).toEqual(['res_00000000000000c3']);
    expect(stock.confirm('res_00000000000000c3').kind).toBe('released');
    expect(stock.confirm('res_00000000000000a1').kind).toBe('confirmed');
    expect(stock.release('res_00000000000000a1').kind).toBe('confirmed');
    expect(available(stock, 'GIZMO-3')).toBe(before - 2);
    stock.onModuleDestroy();

    // A new process (a restart) reads the same numbers from the file.
    const reopened = new StockRepository();
    expect(available(reopened, 'GIZMO-3')).toBe(before - 2);
    reopened.onModuleDestroy();
  });
});
