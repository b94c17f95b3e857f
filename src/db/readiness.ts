import { sql, type Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.js';
import { knownMigrations } from './migrations.js';

/**
 * The migrations this build needs that the database has not recorded, read with one cheap query
 * that also proves the database answers (`GET /health/ready`). An instance started by an older
 * deploy, or one whose database was restored from an older backup, is not ready. The table is
 * Kysely's, found through the connection's search_path (the configured schema on PostgreSQL).
 */
export async function missingMigrations(db: Kysely<DatabaseSchema>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const applied = new Set(rows.map((row) => row.name));
  return knownMigrations.filter((name) => !applied.has(name));
}
