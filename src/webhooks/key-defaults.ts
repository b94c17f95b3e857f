import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema.js';

/**
 * How long a key's default is trusted without asking the database. A change made through this
 * process applies at once; one made through another instance sharing the database, within this.
 */
const CACHE_MS = 10_000;
const CACHED_KEYS = 10_000;

/** Each API key's default webhook URL (api_keys.webhook_url), set by the key's owner through the API. */
export class KeyWebhookDefaults {
  /** Asked once per finished job, so a busy key would otherwise cost a query per job. */
  private readonly cache = new Map<string, { url: string | null; until: number }>();

  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async get(apiKeyId: string): Promise<string | null> {
    const cached = this.cache.get(apiKeyId);
    if (cached && cached.until > Date.now()) return cached.url;
    const row = await this.db
      .selectFrom('api_keys')
      .select('webhook_url')
      .where('id', '=', apiKeyId)
      .executeTakeFirst();
    const url = row?.webhook_url ?? null;
    this.remember(apiKeyId, url);
    return url;
  }

  async set(apiKeyId: string, url: string | null): Promise<void> {
    await this.db.updateTable('api_keys').set({ webhook_url: url }).where('id', '=', apiKeyId).execute();
    this.remember(apiKeyId, url);
  }

  private remember(apiKeyId: string, url: string | null): void {
    if (this.cache.size >= CACHED_KEYS) this.cache.clear();
    this.cache.set(apiKeyId, { url, until: Date.now() + CACHE_MS });
  }
}
