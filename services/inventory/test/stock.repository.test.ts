import { tempDir } from '../../../test-support/temp-mesh';
import { StockRepository } from '../src/stock.repository';

const available = async (stock: StockRepository, sku: string): Promise<number> => (await stock.list()).find((line) => line.sku === sku)!.available;

describe('the stock on disk', () => {
  const temp = tempDir('inventory');
  const previous = process.env.PORTCULLIS_DATA;
  beforeAll(() => (process.env.PORTCULLIS_DATA = temp.dir));
  afterAll(() => {
    if (previous === undefined) delete process.env.PORTCULLIS_DATA;
    else process.env.PORTCULLIS_DATA = previous;
    temp.remove();
  });

  it('reserves once per id, refuses an id released before it was made, and expires what nobody confirmed', async () => {
    const stock = new StockRepository();
    await stock.onModuleInit();
    const before = await available(stock, 'GIZMO-3');
    expect((await stock.reserve({ id: 'res_00000000000000a1', sku: 'GIZMO-3', quantity: 2 }, 60_000)).kind).toBe('reserved');
    expect((await stock.reserve({ id: 'res_00000000000000a1', sku: 'GIZMO-3', quantity: 2 }, 60_000)).kind).toBe('replayed');
    expect((await stock.reserve({ id: 'res_00000000000000a1', sku: 'GIZMO-3', quantity: 3 }, 60_000)).kind).toBe('mismatch');
    expect(await available(stock, 'GIZMO-3')).toBe(before - 2);

    expect((await stock.release('res_00000000000000b2')).kind).toBe('tombstone');
    expect((await stock.reserve({ id: 'res_00000000000000b2', sku: 'GIZMO-3', quantity: 1 }, 60_000)).kind).toBe('released');

    expect((await stock.reserve({ id: 'res_00000000000000c3', sku: 'GIZMO-3', quantity: 1 }, 1)).kind).toBe('reserved');
    expect((await stock.expire(new Date(Date.now() + 10))).map((r) => r.id)).toEqual(['res_00000000000000c3']);
    expect((await stock.confirm('res_00000000000000c3')).kind).toBe('released');
    expect((await stock.confirm('res_00000000000000a1')).kind).toBe('confirmed');
    expect((await stock.release('res_00000000000000a1')).kind).toBe('confirmed');
    expect(await available(stock, 'GIZMO-3')).toBe(before - 2);
    await stock.onModuleDestroy();

    // A new process (a restart) reads the same numbers from the file.
    const reopened = new StockRepository();
    await reopened.onModuleInit();
    expect(await available(reopened, 'GIZMO-3')).toBe(before - 2);
    await reopened.onModuleDestroy();
  });
});
