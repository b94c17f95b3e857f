import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { verifySignature } from '../src/webhooks/signature.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

const SECRET = 'whsec_test_0123456789abcdef';

interface Received {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that answers each request with the next status in `plan` (then 200). */
class Receiver {
  readonly received: Received[] = [];
  private server!: Server;
  private readonly plans = new Map<string, number[]>();
  private waiters: (() => void)[] = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.received.push({ at: Date.now(), path, headers: req.headers, body });
        const status = this.plans.get(path)?.shift() ?? 200;
        res.writeHead(status).end(status === 200 ? 'ok' : 'try again');
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${address.port}`;
  }

  plan(path: string, statuses: number[]): void {
    this.plans.set(path, statuses);
  }

  /** The requests to `path`, once there are `count` of them. */
  async waitFor(path: string, count: number, timeoutMs = 150_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.received.filter((r) => r.path === path);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`${path}: ${got.length} of ${count} deliveries`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The receiver's own check, written from the README rather than with the gateway's helper. */
function expectSigned(delivery: Received): void {
  const header = String(delivery.headers['webhook-signature']);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  expect(match).not.toBeNull();
  const expected = createHmac('sha256', SECRET).update(`${match![1]}.${delivery.body}`).digest('hex');
  expect(match![2]).toBe(expected);
  expect(delivery.headers['webhook-timestamp']).toBe(match![1]);
  expect(Math.abs(Date.now() / 1000 - Number(match![1]))).toBeLessThan(120);
  expect(verifySignature(SECRET, header, delivery.body)).toBe(true);
  expect(verifySignature('another-secret-entirely', header, delivery.body)).toBe(false);
  expect(verifySignature(SECRET, header, delivery.body.replace('completed', 'failed'))).toBe(false);
}

const WEBHOOK_ENV = {
  MEDIAGATE_FETCH_ALLOWLIST: '127.0.0.1',
  MEDIAGATE_WEBHOOK_SECRET: SECRET,
  MEDIAGATE_WEBHOOK_BACKOFF_MS: '150',
  MEDIAGATE_WEBHOOK_POLL_MS: '50',
  MEDIAGATE_WEBHOOK_TIMEOUT_MS: '2000',
  MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '100',
};

describe(`webhooks (${databaseLabel})`, { timeout: 180_000 }, () => {
  const receiver = new Receiver();
  let gw: RunningGateway;
  beforeAll(async () => {
    await receiver.start();
    gw = await startGateway(WEBHOOK_ENV);
  });
  afterAll(async () => {
    await gw?.close();
    await receiver.close();
  });

  it("POSTs a signed video.completed event with the Video object to the request's webhook_url", async () => {
    const created = await fetch(`${gw.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a paper plane 1s', webhook_url: `${receiver.url}/video-done?token=abc` }),
    }).then((r) => r.json());
    const [delivery] = await receiver.waitFor('/video-done?token=abc', 1);
    expectSigned(delivery);
    const event = JSON.parse(delivery.body);
    expect(event).toMatchObject({
      object: 'event',
      type: 'video.completed',
      data: { id: created.id, object: 'video', status: 'completed', progress: 100, seconds: '1' },
    });
    expect(event.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(delivery.headers['webhook-id']).toBe(event.id);
    expect(delivery.headers['content-type']).toBe('application/json');
  });

  it('retries a failing receiver with backoff: it gets the same event on the third try', async () => {
    receiver.plan('/flaky', [500, 503]);
    await gw.client.images.generate({
      model: 'gpt-image-1',
      prompt: 'a teacup',
      webhook_url: `${receiver.url}/flaky`,
    } as never);
    const deliveries = await receiver.waitFor('/flaky', 3);
    expect(deliveries).toHaveLength(3);
    expect(new Set(deliveries.map((d) => d.body)).size).toBe(1);
    expect(new Set(deliveries.map((d) => d.headers['webhook-id'])).size).toBe(1);
    deliveries.forEach(expectSigned);
    const event = JSON.parse(deliveries[2].body);
    expect(event).toMatchObject({ type: 'image.completed', data: { object: 'generation.job', status: 'succeeded' } });
    expect(event.data.results[0].url).toMatch(/\/media\/.+\.png$/);
    // Acknowledged: nothing more arrives.
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.received.filter((r) => r.path === '/flaky')).toHaveLength(3);
  });

  it("a key's default webhook (PUT /v1/webhooks/default) receives image.failed for requests that name none, chat included", async () => {
    const put = await fetch(`${gw.baseUrl}/v1/webhooks/default`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${receiver.url}/key-default` }),
    });
    expect(await put.json()).toEqual({ object: 'webhook.default', url: `${receiver.url}/key-default` });
    try {
      await gw.client.chat.completions
        .create({ model: 'gpt-image-1', messages: [{ role: 'user', content: 'a vase #sandbox-fail' }] })
        .catch(() => null);
      const [delivery] = await receiver.waitFor('/key-default', 1);
      expectSigned(delivery);
      const event = JSON.parse(delivery.body);
      expect(event).toMatchObject({
        type: 'image.failed',
        data: { status: 'failed', error: { code: 'upstream_error' } },
      });
    } finally {
      await fetch(`${gw.baseUrl}/v1/webhooks/default`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: null }),
      });
    }
  });

  it('refuses webhook URLs that reference fetching could not reach', async () => {
    for (const url of [
      'http://10.0.0.7/hook',
      'http://169.254.169.254/latest',
      'http://[::1]:9/x',
      'ftp://example.com/x',
    ]) {
      const res = await fetch(`${gw.baseUrl}/v1/videos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'x', webhook_url: url }),
      });
      expect(res.status).toBe(400);
      const { error } = await res.json();
      expect(error.param).toBe('webhook_url');
    }
  });
});

describe(`webhook deliveries survive a restart (${databaseLabel})`, { timeout: 180_000 }, () => {
  it('a delivery whose first attempt failed is sent by the next process', async () => {
    const receiver = new Receiver();
    await receiver.start();
    receiver.plan('/after-restart', [500]);
    // Long enough that the retry cannot happen before the first process is gone.
    const first = await startGateway({ ...WEBHOOK_ENV, MEDIAGATE_WEBHOOK_BACKOFF_MS: '5000' });
    try {
      await first.client.images.generate({
        model: 'gpt-image-1',
        prompt: 'a lamp',
        webhook_url: `${receiver.url}/after-restart`,
      } as never);
      await receiver.waitFor('/after-restart', 1);
      await first.gateway.close();
      const closedAt = Date.now();

      const second = await buildGateway(loadConfig(first.env));
      await second.listen();
      try {
        const deliveries = await receiver.waitFor('/after-restart', 2);
        expect(deliveries).toHaveLength(2);
        expect(deliveries[1].body).toBe(deliveries[0].body);
        expect(deliveries[1].at).toBeGreaterThan(closedAt); // sent by the second process
        expectSigned(deliveries[1]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(first.dataDir, { recursive: true, force: true });
      await receiver.close();
    }
  });
});
