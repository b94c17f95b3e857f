import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
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

async function openPostgres(url: string, schema?: string): Promise<Database> {
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`Invalid database schema name "${schema}": use lower-case letters, digits and underscores.`);
  }
  if (schema) {
    // A short-lived client creates the schema before the pool pins its search_path to it.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    types: pgTypes,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let database: Database;
  if (!options.url) database = openSqlite(options.dataDir, options.skipDataDirLock === true);
  else if (/^postgres(ql)?:\/\//.test(options.url)) database = await openPostgres(options.url, options.schema);
  else
    throw new Error(
      `Unsupported DATABASE_URL scheme in "${options.url.split(':')[0]}:…": use postgres:// or leave it unset for SQLite.`,
    );

  const migrator = new Migrator({
    db: database.db,
    provider: migrationProvider,
    // Kysely looks for its bookkeeping tables in `public` unless told which schema is in use.
    ...(database.dialect === 'postgres' && options.schema ? { migrationTableSchema: options.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await database.close();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Database migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`);
  }
  return database;
}
