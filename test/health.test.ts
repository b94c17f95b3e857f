import { rm, mkdir } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteFile } from '../src/db/index.js';
import { knownMigrations } from '../src/db/migrations.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

const notReady = (message: string) => ({
  error: { message: `Not ready: ${message}.`, type: 'server_error', param: null, code: 'not_ready' },
});

/** One round of checks answers the probes of the next second, so a probe after a change waits that out. */
const CHECKS_REUSED_MS = 1_000;

async function ready(gw: RunningGateway): Promise<{ status: number; body: unknown; retry: string | null }> {
  await new Promise((resolve) => setTimeout(resolve, CHECKS_REUSED_MS + 50));
  const res = await fetch(`${gw.baseUrl}/health/ready`);
  return { status: res.status, body: await res.json(), retry: res.headers.get('x-should-retry') };
}

/** Runs one statement on the gateway's database over a connection of its own (another process would). */
async function onDatabase(gw: RunningGateway, statement: string): Promise<void> {
  if (!gw.env.DATABASE_URL) {
    const file = await sqliteBetweenTurns(gw, statement);
    file.close();
    return;
  }
  const client = new pg.Client({ connectionString: gw.env.DATABASE_URL });
  await client.connect();
  await client.query(`SET search_path = ${gw.env.DATABASE_SCHEMA}`);
  await client.query(statement);
  await client.end();
}

/**
 * A second connection to the gateway's SQLite file, its first write made between two turns of the
 * event loop: the gateway shares this thread and keeps a write transaction open within a turn
 * (src/db/sqlite-group-commit.ts), so a blocking wait here would wait on itself.
 */
async function sqliteBetweenTurns(gw: RunningGateway, first: string): Promise<BetterSqlite3.Database> {
  const file = new BetterSqlite3(sqliteFile(gw.dataDir), { timeout: 0 });
  for (let attempt = 0; ; attempt++) {
    try {
      file.exec(first);
      return file;
    } catch (err) {
      if (attempt > 200 || (err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** A TCP hop between the gateway and PostgreSQL that the test can stall or cut, as a network fault would. */
async function databaseProxy(target: URL): Promise<{ url: string; stall(): void; cut(): Promise<void> }> {
  const pairs: Socket[][] = [];
  let stalled = false;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    pairs.push([client, upstream]);
    for (const socket of [client, upstream]) socket.on('error', () => {});
    client.on('data', (chunk) => stalled || upstream.write(chunk));
    upstream.on('data', (chunk) => stalled || client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: url.toString(),
    stall: () => {
      stalled = true;
    },
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const pair of pairs) for (const socket of pair) socket.destroy();
      });
    },
  };
}

/** Bytes sent now; the rest sent later returns everything the server answered until it closed the socket. */
function partialRequest(gw: RunningGateway, head: string) {
  const { port } = new URL(gw.baseUrl);
  const socket = connect(Number(port), '127.0.0.1', () => socket.write(head));
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('utf8');
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return {
    async finish(rest: string, waitMs = 1_000): Promise<string> {
      socket.write(rest);
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, waitMs))]);
      socket.destroy();
      return text;
    },
    destroy: () => socket.destroy(),
  };
}

describe(`health endpoints (${databaseLabel})`, { timeout: 60_000 }, () => {
  let gw: RunningGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('a healthy gateway is live and ready; /health answers as before', async () => {
    gw = await startGateway();
    for (const path of ['/health', '/health/live', '/health/ready']) {
      const res = await fetch(`${gw.baseUrl}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.json(), path).toEqual({ status: 'ok' });
    }
  });

  it('is not ready while a migration this build needs is missing from the database', async () => {
    gw = await startGateway();
    const last = knownMigrations.at(-1);
    await onDatabase(gw, `DELETE FROM kysely_migration WHERE name = '${last}'`);
    expect(await ready(gw)).toEqual({
      status: 503,
      body: notReady(`migrations not applied: ${last}`),
      retry: 'true',
    });
    expect((await fetch(`${gw.baseUrl}/health/live`)).status).toBe(200);
  });

  it('is not ready while media storage cannot be written, and ready again once it can', async () => {
    gw = await startGateway();
    expect((await ready(gw)).status).toBe(200);
    await rm(`${gw.dataDir}/media`, { recursive: true, force: true });
    expect(await ready(gw)).toEqual({ status: 503, body: notReady('media storage cannot be written'), retry: 'true' });
    await mkdir(`${gw.dataDir}/media`);
    expect((await ready(gw)).status).toBe(200);
  });

  it('is not ready while the gateway stops, and still live', async () => {
    gw = await startGateway({ MEDIAGATE_SHUTDOWN_GRACE_MS: '20000' });
    const host = 'Host: 127.0.0.1\r\n';
    // A request whose body is still arriving keeps the stop draining; the probes' connections were
    // already open (a balancer's keep-alive), their requests half sent when the stop began.
    const upload = partialRequest(
      gw,
      `POST /v1/chat/completions HTTP/1.1\r\n${host}Authorization: Bearer ${TEST_API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
    );
    const readyProbe = partialRequest(gw, `GET /health/ready HTTP/1.1\r\n${host}`);
    const liveProbe = partialRequest(gw, `GET /health/live HTTP/1.1\r\n${host}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = gw.gateway.stop();
    const readyAnswer = await readyProbe.finish('\r\n');
    const liveAnswer = await liveProbe.finish('\r\n');
    upload.destroy();
    await stopped;
    expect(readyAnswer).toMatch(/^HTTP\/1\.1 503 /);
    expect(JSON.parse(readyAnswer.slice(readyAnswer.indexOf('\r\n\r\n') + 4))).toEqual(
      notReady('the gateway is stopping'),
    );
    expect(liveAnswer).toMatch(/^HTTP\/1\.1 200 /);
    expect(liveAnswer).toContain('{"status":"ok"}');
  });

  it.runIf(databaseLabel === 'postgres')(
    'answers 503 within the check bound when PostgreSQL hangs, and names it when PostgreSQL is gone',
    async () => {
      const proxy = await databaseProxy(new URL(process.env.MEDIAGATE_TEST_DATABASE_URL!));
      gw = await startGateway({ DATABASE_URL: proxy.url });
      expect((await ready(gw)).status).toBe(200);

      proxy.stall();
      const started = Date.now();
      const hung = await ready(gw);
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(hung).toEqual({ status: 503, body: notReady('the database did not answer within 2 s'), retry: 'true' });

      await proxy.cut();
      const gone = await ready(gw);
      expect(gone).toEqual({ status: 503, body: notReady('the database does not answer'), retry: 'true' });
      expect(JSON.stringify(gone.body)).not.toContain('postgres://');
    },
  );
});
