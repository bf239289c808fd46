export * from './schemas';
export { ZodPipe } from './zod-pipe';
export { expectOk, type UpstreamResponse } from './relay';
export { newId, relatedId } from './ids';
export { databaseFile, inTransaction, openDatabase, type Migration } from './database';
