import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema.js';

/** Each API key's default webhook URL (api_keys.webhook_url), set by the key's owner through the API. */
export class KeyWebhookDefaults {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async get(apiKeyId: string): Promise<string | null> {
    const row = await this.db.selectFrom('api_keys').select('webhook_url').where('id', '=', apiKeyId).executeTakeFirst();
    return row?.webhook_url ?? null;
  }

  async set(apiKeyId: string, url: string | null): Promise<void> {
    await this.db.updateTable('api_keys').set({ webhook_url: url }).where('id', '=', apiKeyId).execute();
  }
}
