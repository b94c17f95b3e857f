export { openDatabase, type Database, type DatabaseOptions } from './database.js';
export { SqlApiKeyStore } from './api-key-store.js';
export type { DatabaseSchema } from './schema.js';
