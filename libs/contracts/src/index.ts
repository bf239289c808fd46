export * from './schemas';
export { ZodPipe } from './zod-pipe';
export { expectOk, type UpstreamResponse } from './relay';
export { newId } from './ids';
