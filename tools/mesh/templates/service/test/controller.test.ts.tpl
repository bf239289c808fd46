import 'reflect-metadata';
import { __Name__Controller } from '../src/__name__.controller';
import { __Name__Module } from '../src/__name__.module';

/** The scaffold's answers; replace them with tests of __name__'s own logic as it grows. */
describe('__name__', () => {
  const controller = new __Name__Controller();

  it('serves its controller from its module', () => {
    expect(Reflect.getMetadata('controllers', __Name__Module)).toEqual([__Name__Controller]);
  });
__cases__
});
