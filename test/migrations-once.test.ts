import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { buildGateway, type Gateway } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { knownMigrations } from '../src/db/migrations.js';
import { FAST_SANDBOX_ENV, TEST_API_KEY } from './helpers/gateway.js';

const postgresUrl = process.env.MEDIAGATE_TEST_DATABASE_URL;

/** Log lines at warn (40) or above, parsed. */
function warnings(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        const parsed = JSON.parse(line);
        if (parsed.level >= 40) lines.push(parsed);
      }
      done();
    },
  });
  return { stream, lines };
}

describe.runIf(postgresUrl)('several instances starting together on one fresh schema (postgres)', () => {
  it('all start, and each migration runs exactly once', { timeout: 120_000 }, async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const logs = warnings();
    const dirs = await Promise.all([1, 2, 3].map(() => mkdtemp(join(tmpdir(), 'mediagate-migrate-'))));
    const started = await Promise.allSettled(
      dirs.map((dir) =>
        buildGateway(
          loadConfig({
            ...FAST_SANDBOX_ENV,
            LOG_LEVEL: 'info',
            PORT: '0',
            HOST: '127.0.0.1',
            MEDIAGATE_DATA_DIR: dir,
            MEDIAGATE_API_KEYS: TEST_API_KEY,
            DATABASE_URL: postgresUrl!,
            DATABASE_SCHEMA: schema,
          }),
          { logStream: logs.stream },
        ),
      ),
    );
    const gateways = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    try {
      expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual([
        'started',
        'started',
        'started',
      ]);
      await Promise.all(gateways.map((g: Gateway) => g.listen()));
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT name, count(*)::int AS times FROM "${schema}".kysely_migration GROUP BY name ORDER BY name`,
        );
        expect(rows).toEqual(knownMigrations.map((name) => ({ name, times: 1 })));
      } finally {
        await client.end();
      }
      expect(logs.lines).toEqual([]);
    } finally {
      await Promise.all(gateways.map((g) => g.close()));
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
    }
  });
});
