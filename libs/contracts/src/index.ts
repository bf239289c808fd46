export * from './schemas';
export { ZodPipe } from './zod-pipe';
export { expectOk, type UpstreamResponse } from './relay';
export { newId, relatedId } from './ids';
export { migrate, type Migration, type SqlDatabase, type SqlExecutor, type SqlValue } from './sql/sql-database';
export { SqliteDatabase } from './sql/sqlite-database';
export { PostgresDatabase, meshDatabaseTls } from './sql/postgres-database';
export { databaseFile, openServiceDatabase } from './sql/open';
