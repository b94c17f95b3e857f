import { randomBytes } from 'node:crypto';

const postgresUrl = process.env.MEDIAGATE_TEST_DATABASE_URL;

/** Which database this run of the suite uses, for test titles. */
export const databaseLabel: 'postgres' | 'sqlite' = postgresUrl ? 'postgres' : 'sqlite';

/**
 * Database settings for one test's gateway: SQLite inside its data dir, or, when
 * MEDIAGATE_TEST_DATABASE_URL is set, PostgreSQL in a fresh schema of its own.
 */
export async function testDatabaseOptions(
  dataDir: string,
): Promise<{ url?: string; dataDir: string; schema?: string }> {
  if (!postgresUrl) return { dataDir };
  return { url: postgresUrl, dataDir, schema: `t_${randomBytes(6).toString('hex')}` };
}
