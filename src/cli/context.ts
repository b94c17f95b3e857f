import { existsSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { AccountService } from '../accounts/account-service.js';
import type { Config } from '../config/index.js';
import { loadConfig } from '../config/index.js';
import { openDatabase, sqliteFile } from '../db/index.js';
import type { DatabaseSchema } from '../db/schema.js';
import type { MoneyFormat } from './output.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** How a command prints: one JSON document with `--json`, text for people otherwise. */
export interface CommandOutput {
  /** `--json`: print exactly one JSON document on stdout instead of text for people. */
  json: boolean;
  /**
   * Prints the result: with `--json`, what `toJson` makes of `data` — the object the admin API answers
   * for the same thing (src/api-objects/) — else the text `human` makes of it.
   */
  print<T>(data: T, toJson: (data: T) => unknown, human: (data: T) => string): void;
  /** A line for people only (never with `--json`), on stdout after the result. */
  note(text: string): void;
}

/** What one command's action receives: the operator's service on the gateway's database, and the output. */
export interface CommandContext extends CommandOutput {
  operator: AccountService;
  /** The gateway's database, for the read views (usage) that are plain functions over it. */
  db: Kysely<DatabaseSchema>;
  money: MoneyFormat;
}

export function commandOutput(io: CliIo, json: boolean): CommandOutput {
  return {
    json,
    print: (data, toJson, human) => io.stdout(json ? `${JSON.stringify(toJson(data), null, 2)}\n` : human(data)),
    note: (text) => {
      if (!json) io.stdout(`${text}\n`);
    },
  };
}

/**
 * Opens the database the gateway uses — same configuration: MEDIAGATE_CONFIG, DATABASE_URL,
 * DATABASE_SCHEMA, MEDIAGATE_DATA_DIR — runs one action on it and closes it. Works with the gateway
 * running or stopped; see `skipDataDirLock`.
 */
export async function withOperator(
  io: CliIo,
  json: boolean,
  action: (ctx: CommandContext) => Promise<void>,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  const config: Config = loadConfig(env);
  // A mistyped data dir would otherwise get a new, empty database and the change would seem to work.
  if (!config.databaseUrl && !existsSync(sqliteFile(config.dataDir)))
    io.stderr(
      `note: there was no database in ${config.dataDir}; a new one was created. If the gateway uses another ` +
        'data dir, set MEDIAGATE_DATA_DIR (or DATABASE_URL) as it does.\n',
    );
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    schema: config.databaseSchema,
    skipDataDirLock: true,
  }).catch((err: Error) => {
    // Never the URL itself: it may hold a password.
    const where = config.databaseUrl
      ? `PostgreSQL from DATABASE_URL${config.databaseSchema ? `, schema ${config.databaseSchema}` : ''}`
      : `SQLite in MEDIAGATE_DATA_DIR ${config.dataDir}`;
    throw new Error(`Cannot open the gateway's database (${where}): ${err.message}`);
  });
  try {
    await action({
      operator: new AccountService(database.db, config.billing),
      db: database.db,
      money: { creditsPerUnit: config.billing.creditsPerUnit, currency: config.billing.currency },
      ...commandOutput(io, json),
    });
  } finally {
    await database.close();
  }
}
