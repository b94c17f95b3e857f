import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAiImages } from './fakes/openai-images.js';
import { channelsConfig, FAST_RETRY_ENV } from './helpers/channels.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { parsePrometheus, sampleValue, seriesOf, type PromSample } from './helpers/prometheus.js';

const ADMIN_KEY = 'adm-test-metrics-0123456789';
const CHAT = '/v1/chat/completions';

async function chat(gw: RunningGateway, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${gw.baseUrl}${CHAT}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function scrape(url: string, key?: string): Promise<PromSample[]> {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(await res.text());
}

describe(`GET /metrics on the main port, behind an admin key (${databaseLabel})`, { timeout: 120_000 }, () => {
  const upstream = new FakeOpenAiImages(['sk-upstream-metrics']);
  let gw: RunningGateway;
  let jobId: string;

  beforeAll(async () => {
    await upstream.start();
    gw = await startGateway({
      ...FAST_RETRY_ENV,
      MEDIAGATE_ADMIN_KEYS: ADMIN_KEY,
      MEDIAGATE_SUBMIT_ATTEMPTS: '3',
      ...(await channelsConfig(
        [
          {
            name: 'openai-main',
            type: 'openai-images',
            baseUrl: `${upstream.url}/v1`,
            keys: ['sk-upstream-metrics'],
            models: ['dall-e-3'],
          },
        ],
        // The sandbox serves every other model beside the upstream channel.
        { sandbox: { mode: 'always' } },
      )),
    });
    const res = await chat(gw, { model: 'gpt-image-1', messages: [{ role: 'user', content: 'a lighthouse at dawn' }] });
    expect(res.status).toBe(200);
    jobId = res.headers.get('x-mediagate-job-id') ?? '';
    expect(jobId).toMatch(/^job_/);
  });
  afterAll(async () => {
    await gw?.close();
    await upstream.close();
  });

  it('refuses a request without a key (401) and a customer key (403), in the OpenAI envelope', async () => {
    const none = await fetch(`${gw.baseUrl}/metrics`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      error: {
        message: 'Missing API key. Send it as "Authorization: Bearer <key>".',
        type: 'invalid_request_error',
        param: null,
        code: 'missing_api_key',
      },
    });
    const customer = await fetch(`${gw.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(customer.status).toBe(403);
    expect(await customer.json()).toEqual({
      error: {
        message: expect.stringContaining('the admin API needs an admin key'),
        type: 'permission_error',
        param: null,
        code: 'admin_key_required',
      },
    });
    const wrong = await fetch(`${gw.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}x` } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });

  it('counts the chat image job: request by route and status, job by model, channel and outcome, durations, moderation', async () => {
    const samples = await scrape(`${gw.baseUrl}/metrics`, ADMIN_KEY);
    expect(sampleValue(samples, 'mediagate_http_requests_total', { route: CHAT, method: 'POST', status: '200' })).toBe(
      1,
    );
    expect(
      sampleValue(samples, 'mediagate_jobs_finished_total', {
        model: 'gpt-image-1',
        channel: 'sandbox',
        outcome: 'succeeded',
        code: 'none',
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'mediagate_job_duration_seconds_count', { model: 'gpt-image-1', outcome: 'succeeded' }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'mediagate_job_queue_seconds_count', { model: 'gpt-image-1', channel: 'sandbox' }),
    ).toBe(1);
    expect(sampleValue(samples, 'mediagate_http_request_duration_seconds_count', { route: CHAT, method: 'POST' })).toBe(
      1,
    );
    expect(sampleValue(samples, 'mediagate_moderation_checks_total', { stage: 'prompt', verdict: 'allowed' })).toBe(1);
    expect(sampleValue(samples, 'mediagate_moderation_checks_total', { stage: 'output', verdict: 'allowed' })).toBe(1);
    expect(sampleValue(samples, 'mediagate_open_streams')).toBe(0);
    // Process metrics on the gateway's own registry.
    expect(seriesOf(samples, 'process_cpu_user_seconds_total')).toHaveLength(1);
  });

  it('labels requests by route pattern, never by URL: a job read and an unknown path', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gw.baseUrl}/v1/jobs/${jobId}`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
      });
      expect(res.status).toBe(200);
    }
    expect((await fetch(`${gw.baseUrl}/no/such/${jobId}`)).status).toBe(404);
    const samples = await scrape(`${gw.baseUrl}/metrics`, ADMIN_KEY);
    expect(
      sampleValue(samples, 'mediagate_http_requests_total', {
        route: '/v1/jobs/:job_id',
        method: 'GET',
        status: '200',
      }),
    ).toBe(2);
    expect(
      sampleValue(samples, 'mediagate_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }),
    ).toBe(1);
    // The refusals of the first test are counted on the /metrics route itself.
    expect(
      sampleValue(samples, 'mediagate_http_requests_total', { route: '/metrics', method: 'GET', status: '401' }),
    ).toBe(2);
    const routes = seriesOf(samples, 'mediagate_http_requests_total').map((s) => s.labels.route);
    expect(routes.filter((route) => route.includes(jobId))).toEqual([]);
  });

  it('counts a failed job with its error code, and a prompt the gateway refused', async () => {
    const failed = await chat(gw, {
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'a bell #sandbox-fail' }],
    });
    expect(failed.status).toBe(502);
    const blocked = await chat(gw, {
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'Pikachu dancing in the rain' }],
    });
    expect(blocked.status).toBe(400);
    const samples = await scrape(`${gw.baseUrl}/metrics`, ADMIN_KEY);
    const failures = seriesOf(samples, 'mediagate_jobs_finished_total').filter((s) => s.labels.outcome === 'failed');
    // The refused prompt never reached a channel.
    expect(failures.map((s) => [s.labels.code, s.labels.channel, s.value]).sort()).toEqual([
      ['content_policy_violation', 'none', 1],
      ['upstream_error', 'sandbox', 1],
    ]);
    expect(sampleValue(samples, 'mediagate_moderation_checks_total', { stage: 'prompt', verdict: 'blocked' })).toBe(1);
    expect(sampleValue(samples, 'mediagate_moderation_checks_total', { stage: 'prompt', verdict: 'allowed' })).toBe(2);
  });

  it('counts a cancelled job once', async () => {
    const auth = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };
    const created = await fetch(`${gw.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ model: 'sora-2', prompt: 'a long drum roll 4s' }),
    });
    expect(created.status).toBe(200);
    const jobId = (await created.json()).id.replace('video_', 'job_');
    const statuses = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gw.baseUrl}/v1/jobs/${jobId}/cancel`, {
        method: 'POST',
        headers: { authorization: auth.authorization },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 409]);
    const samples = await scrape(`${gw.baseUrl}/metrics`, ADMIN_KEY);
    const cancelled = seriesOf(samples, 'mediagate_jobs_finished_total').filter(
      (s) => s.labels.outcome === 'cancelled',
    );
    expect(cancelled.map((s) => [s.labels.model, s.labels.code, s.value])).toEqual([['sora-2', 'none', 1]]);
  });

  it('counts upstream calls by channel and status class, a retried 500 included', async () => {
    upstream.injectFaults('POST', /^\/v1\/images\/generations$/, [
      { status: 500, body: { error: { message: 'boom', type: 'server_error', param: null, code: null } } },
    ]);
    const res = await chat(gw, { model: 'dall-e-3', messages: [{ role: 'user', content: 'a pear on a plate' }] });
    expect(res.status).toBe(200);
    const samples = await scrape(`${gw.baseUrl}/metrics`, ADMIN_KEY);
    expect(
      sampleValue(samples, 'mediagate_upstream_calls_total', { channel: 'openai-main', status_class: '5xx' }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'mediagate_upstream_calls_total', { channel: 'openai-main', status_class: '2xx' }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'mediagate_upstream_call_duration_seconds_count', {
        channel: 'openai-main',
        status_class: '2xx',
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'mediagate_jobs_finished_total', {
        model: 'dall-e-3',
        channel: 'openai-main',
        outcome: 'succeeded',
        code: 'none',
      }),
    ).toBe(1);
    // The queue time is measured once per job, at its first submission, not again on the retry.
    expect(
      sampleValue(samples, 'mediagate_job_queue_seconds_count', { model: 'dall-e-3', channel: 'openai-main' }),
    ).toBe(1);
  });

  it('shows an open stream while a streaming chat job runs, and none once it ended', async () => {
    const res = await chat(gw, {
      model: 'sora-2',
      stream: true,
      messages: [{ role: 'user', content: 'a drum 1s' }],
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the first chunk: the stream is open
    const during = await scrape(`${gw.baseUrl}/metrics`, ADMIN_KEY);
    expect(sampleValue(during, 'mediagate_open_streams')).toBe(1);
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('data: [DONE]');
    const after = await scrape(`${gw.baseUrl}/metrics`, ADMIN_KEY);
    expect(sampleValue(after, 'mediagate_open_streams')).toBe(0);
    expect(
      sampleValue(after, 'mediagate_jobs_finished_total', {
        model: 'sora-2',
        channel: 'sandbox',
        outcome: 'succeeded',
        code: 'none',
      }),
    ).toBe(1);
  });

  it('counts the credits a job reserved, captured and released', async () => {
    const money = async () => {
      const samples = await scrape(`${gw.baseUrl}/metrics`, ADMIN_KEY);
      const read = (kind: string) =>
        sampleValue(samples, `mediagate_credits_${kind}_total`, { model: 'dall-e-3' }) ?? 0;
      return { reserved: read('reserved'), captured: read('captured'), released: read('released') };
    };
    const before = await money();
    await gw.client.chat.completions.create({
      model: 'dall-e-3',
      messages: [{ role: 'user', content: 'a red kite over a beach' }],
    });
    const after = await money();
    // dall-e-3 standard 1024x1024: 40,000 credits, delivered, nothing released.
    expect({
      reserved: after.reserved - before.reserved,
      captured: after.captured - before.captured,
      released: after.released - before.released,
    }).toEqual({ reserved: 40_000, captured: 40_000, released: 0 });
  });
});

describe(`GET /metrics on a separate port (${databaseLabel})`, { timeout: 60_000 }, () => {
  let gw: RunningGateway;

  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_METRICS_PORT: '0', MEDIAGATE_ADMIN_KEYS: ADMIN_KEY });
  });
  afterAll(async () => gw?.close());

  it('serves the metrics there without a key, and not on the main port even with an admin key', async () => {
    const port = gw.gateway.metricsPort;
    expect(port).toBeGreaterThan(0);
    const main = await fetch(`${gw.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(main.status).toBe(404);
    expect((await main.json()).error.type).toBe('invalid_request_error');
    const samples = await scrape(`http://127.0.0.1:${port}/metrics`);
    // The gateway's own registry: this instance has answered exactly one request, the 404 above.
    expect(seriesOf(samples, 'mediagate_http_requests_total')).toEqual([
      { name: 'mediagate_http_requests_total', labels: { route: 'unmatched', method: 'GET', status: '404' }, value: 1 },
    ]);
    const other = await fetch(`http://127.0.0.1:${port}/v1/models`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect(other.status).toBe(404);
    expect((await other.json()).error.code).toBe('not_found');
  });

  it('stops the metrics listener with the gateway', async () => {
    const port = gw.gateway.metricsPort;
    await gw.close();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
    gw = undefined as unknown as RunningGateway;
  });
});
