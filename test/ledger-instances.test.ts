import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { fundedCustomer } from './helpers/accounts.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { openLedgerDatabase, proveLedger } from './helpers/ledger.js';

const PRICE = 42_000; // one gpt-image-1 image, medium quality, 1024x1024
const N = 4;

/**
 * Several instances on one PostgreSQL database share the accounts: a reservation is a conditional
 * UPDATE of the account's row, so requests for one account on any instance queue on that row and
 * none overspends. (The embedded SQLite file belongs to one process, so there is nothing to share
 * there: this runs only with MEDIAGATE_TEST_DATABASE_URL set.)
 */
describe.skipIf(databaseLabel === 'sqlite')(
  `the ledger shared by two instances (${databaseLabel}; skipped on SQLite: its database file belongs to one process)`,
  () => {
    let a: RunningGateway;
    let b: RunningGateway;
    let database: Database;
    beforeAll(async () => {
      a = await startGateway();
      b = await startGateway({ DATABASE_URL: a.env.DATABASE_URL, DATABASE_SCHEMA: a.env.DATABASE_SCHEMA });
      database = await openLedgerDatabase(a.env);
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
      await database?.close();
    });

    it(`lets exactly ${N} of 40 concurrent requests spread over both instances through on a balance for ${N}`, async () => {
      const customer = await fundedCustomer(a.baseUrl, N * PRICE);
      const clients = [a, b].map(
        (gw) => new OpenAI({ apiKey: customer.key, baseURL: `${gw.baseUrl}/v1`, maxRetries: 0, timeout: 60_000 }),
      );
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          clients[i % 2].images
            .generate({ model: 'gpt-image-1', prompt: 'a red kite', size: '1024x1024', quality: 'medium' })
            .then(
              () => ({ ok: true as const, instance: i % 2 }),
              (err: unknown) => {
                if (!(err instanceof OpenAI.APIError)) throw err;
                return {
                  ok: false as const,
                  instance: i % 2,
                  status: err.status,
                  code: (err.error as { code?: string }).code,
                };
              },
            ),
        ),
      );
      expect(outcomes.filter((o) => o.ok)).toHaveLength(N);
      const refused = outcomes.filter((o) => !o.ok);
      expect(refused).toHaveLength(40 - N);
      for (const o of refused) expect(o).toMatchObject({ status: 429, code: 'insufficient_quota' });
      // Each instance refused some: both read the one account row, neither holds its own copy of the balance.
      expect(new Set(refused.map((o) => o.instance))).toEqual(new Set([0, 1]));

      const proof = await proveLedger(database, customer.accountId);
      expect(proof.jobs.size).toBe(N);
      expect(proof.captured).toBe(N * PRICE);
      expect(proof.account).toEqual({ balance: 0, reserved: 0, active_jobs: 0 });
      expect(proof.lowestBalance).toBe(0);
    });
  },
);
