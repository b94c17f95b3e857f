import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import { migrationProvider } from './migrations.js';
import { GroupCommitSqliteDialect } from './sqlite-group-commit.js';
import type { DatabaseSchema } from './schema.js';

export interface Database {
  db: Kysely<DatabaseSchema>;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…`; absent means the embedded SQLite file in `dataDir`. */
  url?: string;
  dataDir: string;
  /** PostgreSQL schema to work in (created when missing). */
  schema?: string;
  /**
   * SQLite only: open the file without taking the data-dir lock. For the operator CLI, which makes a
   * few short writes (an account, a key, a top-up) next to a running gateway; WAL and the busy timeout
   * let both processes write. The lock exists to stop a second *gateway*, which would claim and submit
   * the same jobs; a process that runs no jobs does not need it.
   */
  skipDataDirLock?: boolean;
}

/** Where the embedded database lives in a data dir. */
export const sqliteFile = (dataDir: string) => join(dataDir, 'mediagate.sqlite');

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** BIGINT columns hold millisecond timestamps, well inside Number's exact range. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

function openSqlite(dataDir: string, skipLock: boolean): Database {
  mkdirSync(dataDir, { recursive: true });
  const unlock = skipLock ? () => {} : lockDataDir(dataDir);
  const file = new BetterSqlite3(sqliteFile(dataDir));
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = NORMAL');
  file.pragma('busy_timeout = 5000');
  file.pragma('foreign_keys = ON');
  // Opened after the writer made the file WAL: a WAL reader never waits for the writer's lock.
  const reader = new BetterSqlite3(sqliteFile(dataDir), { readonly: true });
  reader.pragma('busy_timeout = 5000');
  const db = new Kysely<DatabaseSchema>({ dialect: new GroupCommitSqliteDialect(file, reader) });
  return {
    db,
    dialect: 'sqlite',
    close: async () => {
      await db.destroy();
      unlock();
    },
  };
}

/**
 * Holds a session advisory lock on a connection of its own while instances starting together
 * create the schema and migrate it: concurrent `CREATE SCHEMA IF NOT EXISTS` and migration-table
 * creation can fail in PostgreSQL, and each migration must run once. The key names the schema, so
 * instances (and tests) in other schemas do not wait on each other; the server releases the lock
 * if this process dies holding it.
 */
async function withMigrationLock<T>(url: string, schema: string | undefined, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const key = `mediagate:migrate:${schema ?? 'public'}`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
    }
  } finally {
    await client.end();
  }
}

async function openPostgres(url: string, schema?: string): Promise<Database> {
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`Invalid database schema name "${schema}": use lower-case letters, digits and underscores.`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    types: pgTypes,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // A pooled connection the server drops (a restart, a failover) is discarded by the pool and the next
  // query connects again; unheard, the pool's 'error' event would end the process instead. Readiness
  // (`GET /health/ready`) reports the database meanwhile.
  pool.on('error', () => {});
  // Likewise a connection that dies while lent out: its query fails with the error, nothing else should.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const { url, schema } = options;
  if (!url) return migrate(openSqlite(options.dataDir, options.skipDataDirLock === true));
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new Error(
      `Unsupported DATABASE_URL scheme in "${url.split(':')[0]}:…": use postgres:// or leave it unset for SQLite.`,
    );
  const database = await openPostgres(url, schema);
  try {
    return await withMigrationLock(url, schema, async () => {
      // The pool pins its search_path to the schema; it must exist before the first migration runs.
      if (schema) await sql.raw(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).execute(database.db);
      return migrate(database, schema);
    });
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
}

async function migrate(database: Database, schema?: string): Promise<Database> {
  const migrator = new Migrator({
    db: database.db,
    provider: migrationProvider,
    // Kysely looks for its bookkeeping tables in `public` unless told which schema is in use.
    ...(database.dialect === 'postgres' && schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await database.close();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Database migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`);
  }
  return database;
}
