import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { buildGateway, type Gateway, type GatewayOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { testDatabaseOptions } from './database.js';

export const TEST_API_KEY = 'sk-test-0123456789abcdef';
export const TEST_ADMIN_KEY = 'mg-admin-test-0123456789abcdef';

export interface RunningGateway {
  gateway: Gateway;
  baseUrl: string;
  dataDir: string;
  client: OpenAI;
  /** Env the gateway was started with, for starting another process on the same data. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Fast sandbox timings so tests exercise progress without waiting long. */
export const FAST_SANDBOX_ENV = {
  MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '300',
  MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '1200',
  MEDIAGATE_SANDBOX_POLL_MS: '100',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
};

/** Starts the real gateway in-process on a free port, with its own data dir and database. */
export async function startGateway(
  overrides: Record<string, string> = {},
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mediagate-test-'));
  const db = await testDatabaseOptions(dataDir);
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    MEDIAGATE_DATA_DIR: dataDir,
    MEDIAGATE_API_KEYS: TEST_API_KEY,
    MEDIAGATE_ADMIN_KEYS: TEST_ADMIN_KEY,
    // Off by default here: many tests send one request again after changing how the upstream answers,
    // and would get the first failure back. test/client-retries.test.ts turns it on.
    MEDIAGATE_FAILURE_REPLAY_MS: '0',
    ...FAST_SANDBOX_ENV,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...(db.schema ? { DATABASE_SCHEMA: db.schema } : {}),
    ...overrides,
  };
  const gateway = await buildGateway(loadConfig(env), options);
  const port = await gateway.listen();
  const baseUrl = `http://127.0.0.1:${port}`;
  const client = new OpenAI({ apiKey: TEST_API_KEY, baseURL: `${baseUrl}/v1`, maxRetries: 0, timeout: 60_000 });
  return {
    gateway,
    baseUrl,
    dataDir,
    client,
    env,
    async close() {
      await gateway.close();
      // A sandbox render started by a job the close interrupted may still be writing its cache file.
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

/** Downloads a link the gateway returned; fails the test on a non-200. */
export async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url} → ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** The first markdown link target in a chat answer. */
export function firstLink(content: string): string {
  const match = content.match(/\]\((https?:\/\/[^)\s]+)\)/);
  if (!match) throw new Error(`no link in: ${content}`);
  return match[1];
}

/** Every markdown link target in a chat answer, in order. */
export const allLinks = (content: string) => [...content.matchAll(/\]\((https?:\/\/[^)\s]+)\)/g)].map((m) => m[1]);

/** A JSON POST with the test key, answered as the raw `Response` (status, headers, body or stream). */
export function postJson(
  gw: Pick<RunningGateway, 'baseUrl'>,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${gw.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
