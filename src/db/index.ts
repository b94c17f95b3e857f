export { openDatabase, sqliteFile, type Database, type DatabaseOptions } from './database.js';
export type { DatabaseSchema } from './schema.js';
