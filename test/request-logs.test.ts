import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAiImages } from './fakes/openai-images.js';
import { channelsConfig, FAST_RETRY_ENV } from './helpers/channels.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

type Line = Record<string, unknown> & { msg: string };

/** Every line the gateway logs, parsed (pino writes one JSON object per line). */
class LogCapture extends Writable {
  readonly text: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }

  get lines(): Line[] {
    return this.text.map((line) => JSON.parse(line) as Line);
  }

  clear(): void {
    this.text.length = 0;
  }
}

const UPSTREAM_KEY = 'sk-upstream-secret-for-logs-4242';
const ADMIN_KEY = 'adm-secret-for-logs-0123456789';
const GENERATIONS = /^\/v1\/images\/generations$/;

describe(`request ids and structured logs (${databaseLabel})`, { timeout: 120_000 }, () => {
  const upstream = new FakeOpenAiImages([UPSTREAM_KEY]);
  const logs = new LogCapture();
  let gw: RunningGateway;

  async function chat(content: string, headers: Record<string, string> = {}, model = 'gpt-image-1') {
    return fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    });
  }

  beforeAll(async () => {
    await upstream.start();
    gw = await startGateway(
      {
        ...FAST_RETRY_ENV,
        LOG_LEVEL: 'debug',
        MEDIAGATE_ADMIN_KEYS: ADMIN_KEY,
        ...(await channelsConfig(
          [
            {
              name: 'openai-main',
              type: 'openai-images',
              baseUrl: `${upstream.url}/v1`,
              keys: [UPSTREAM_KEY],
              models: ['dall-e-3'],
            },
          ],
          { sandbox: { mode: 'always' } },
        )),
      },
      { logStream: logs },
    );
  });
  beforeEach(() => logs.clear());
  afterAll(async () => {
    await gw?.close();
    await upstream.close();
    // Nothing the gateway logged, from start to close, holds a key.
    for (const secret of [TEST_API_KEY, UPSTREAM_KEY, ADMIN_KEY]) expect(logs.text.join('\n')).not.toContain(secret);
  });

  it("takes the client's x-request-id, echoes it, and every line of the request and its job carries it", async () => {
    upstream.injectFaults('POST', GENERATIONS, [
      { status: 500, body: { error: { message: 'boom', type: 'server_error', param: null, code: null } } },
    ]);
    const res = await chat('a pear on a plate', { 'x-request-id': 'client-trace.42' }, 'dall-e-3');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('client-trace.42');
    const jobId = res.headers.get('x-mediagate-job-id');

    const lines = logs.lines;
    const ofRequest = lines.filter((l) => l.reqId === 'client-trace.42');
    // The engine's retry (a warning), the job's end and the request's own line.
    expect(ofRequest.map((l) => l.msg)).toEqual([
      'upstream did not accept the submission; retrying',
      'job finished',
      'request completed',
    ]);
    expect(ofRequest.slice(0, 2).every((l) => l.jobId === jobId)).toBe(true);
    expect(ofRequest[2]).toMatchObject({ route: '/v1/chat/completions', method: 'POST', status: 200 });
    // No line about this job lacks the request id, and none has another.
    expect(lines.filter((l) => l.jobId === jobId).every((l) => l.reqId === 'client-trace.42')).toBe(true);
    // The key the engine used upstream appears nowhere, and no line repeats the request id field.
    expect(logs.text.join('\n')).not.toContain(UPSTREAM_KEY);
    for (const text of logs.text) expect(text.match(/"reqId":/g)?.length ?? 0).toBeLessThanOrEqual(1);
  });

  it('replaces an x-request-id that is not a sane token with its own, and echoes that', async () => {
    for (const presented of ['has spaces in it', 'x'.repeat(129), 'semi;colon']) {
      logs.clear();
      const res = await fetch(`${gw.baseUrl}/v1/models`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'x-request-id': presented },
      });
      expect(res.status).toBe(200);
      const id = res.headers.get('x-request-id') ?? '';
      expect(id).toMatch(/^req_[0-9a-f]{32}$/);
      expect(logs.lines.filter((l) => l.msg === 'request completed').map((l) => l.reqId)).toEqual([id]);
    }
    const longest = 'y'.repeat(128);
    const res = await fetch(`${gw.baseUrl}/health`, { headers: { 'x-request-id': longest } });
    expect(res.headers.get('x-request-id')).toBe(longest);
  });

  it('gives lines written by the shared logger during a request (a refused prompt) the request id', async () => {
    const res = await chat('Pikachu dancing in the rain', { 'x-request-id': 'refused-1' });
    expect(res.status).toBe(400);
    const refusal = logs.lines.find((l) => l.msg === 'prompt refused by content policy');
    expect(refusal).toMatchObject({ reqId: 'refused-1', stage: 'prompt', category: 'copyright' });
  });

  it('sends the request id on a streamed answer too', async () => {
    const res = await fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_API_KEY}`,
        'content-type': 'application/json',
        'x-request-id': 'stream-7',
      },
      body: JSON.stringify({ model: 'gpt-image-1', stream: true, messages: [{ role: 'user', content: 'a fig' }] }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-request-id')).toBe('stream-7');
    expect(await res.text()).toContain('data: [DONE]');
  });

  it('never logs a key: refused keys, and secret-looking fields and headers are redacted', async () => {
    const wrongKey = 'sk-wrong-but-secret-987654321';
    const refused = await fetch(`${gw.baseUrl}/v1/models`, {
      headers: { authorization: `Bearer ${wrongKey}`, 'x-api-key': wrongKey, 'x-request-id': 'wrong-key' },
    });
    expect(refused.status).toBe(401);
    const refusedMetrics = await fetch(`${gw.baseUrl}/metrics`, { headers: { 'x-api-key': TEST_API_KEY } });
    expect(refusedMetrics.status).toBe(403);
    gw.gateway.app.log.warn(
      {
        apiKey: 'secret-field-1',
        upstream: { key: 'secret-field-2', secret: 'secret-field-3' },
        headers: { authorization: 'Bearer secret-field-4', 'x-api-key': 'secret-field-5', cookie: 'c=secret-6' },
        call: { headers: { 'x-goog-api-key': 'secret-field-7' } },
      },
      'probe',
    );
    const text = logs.text.join('\n');
    for (const secret of [wrongKey, TEST_API_KEY, 'secret-field', 'secret-6']) expect(text).not.toContain(secret);
    const probe = logs.lines.find((l) => l.msg === 'probe');
    expect(probe).toMatchObject({
      apiKey: '[Redacted]',
      upstream: { key: '[Redacted]', secret: '[Redacted]' },
      headers: { authorization: '[Redacted]', 'x-api-key': '[Redacted]', cookie: '[Redacted]' },
      call: { headers: { 'x-goog-api-key': '[Redacted]' } },
    });
    expect(logs.lines.find((l) => l.reqId === 'wrong-key')).toMatchObject({ status: 401 });
  });
});
