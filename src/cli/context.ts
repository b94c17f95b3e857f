import { AccountService } from '../accounts/account-service.js';
import type { Config } from '../config/index.js';
import { loadConfig } from '../config/index.js';
import { openDatabase } from '../db/index.js';
import type { MoneyFormat } from './output.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** What one command's action receives: the operator's service on the gateway's database, and the output. */
export interface CommandContext {
  operator: AccountService;
  money: MoneyFormat;
  /** `--json`: print exactly one JSON document on stdout instead of text for people. */
  json: boolean;
  /** Prints the result: `data` as JSON with `--json`, else the text `human` makes of it. */
  print<T>(data: T, human: (data: T) => string): void;
  /** A line for people only (never with `--json`), on stdout after the result. */
  note(text: string): void;
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
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    schema: config.databaseSchema,
    skipDataDirLock: true,
  });
  try {
    await action({
      operator: new AccountService(database.db, config.billing),
      money: { creditsPerUnit: config.billing.creditsPerUnit, currency: config.billing.currency },
      json,
      print: (data, human) => io.stdout(json ? `${JSON.stringify(data, null, 2)}\n` : human(data)),
      note: (text) => {
        if (!json) io.stdout(`${text}\n`);
      },
    });
  } finally {
    await database.close();
  }
}
