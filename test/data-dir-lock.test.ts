import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { TEST_API_KEY } from './helpers/gateway.js';
import { killHard, spawnServer, type ServerProcess } from './helpers/server-process.js';

// The lock guards the embedded database only; PostgreSQL instances share a database by design.
describe.skipIf(databaseLabel === 'postgres')('one process per embedded database', () => {
  const servers: ServerProcess[] = [];
  let dataDir = '';
  afterAll(async () => {
    for (const server of servers) await killHard(server);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("refuses to start a second process on the same data dir, and takes over a dead one's lock", async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mediagate-lock-'));
    const env = { PORT: '0', HOST: '127.0.0.1', MEDIAGATE_DATA_DIR: dataDir, MEDIAGATE_API_KEYS: TEST_API_KEY };
    const first = await spawnServer(env);
    servers.push(first);
    const second = await spawnServer(env).catch((err: Error) => err);
    expect(second).toBeInstanceOf(Error);
    expect((second as Error).message).toContain('server exited with 2');
    expect((second as Error).message).toContain(
      `Another mediagate process (pid ${first.child.pid}) is using ${dataDir}.`,
    );

    await killHard(first);
    const third = await spawnServer(env);
    servers.push(third);
    expect((await fetch(`${third.baseUrl}/health`)).status).toBe(200);
  });
});
