import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { rawRequest } from './helpers/raw-http.js';

const auth = { authorization: `Bearer ${TEST_API_KEY}` };
const envelope = (message: string, code: string, param: string | null = null) => ({
  error: { message, type: 'invalid_request_error', param, code },
});

/** Errors Fastify or Node raise before any handler runs still answer in OpenAI's envelope. */
describe(`errors before a handler runs (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({
      MEDIAGATE_BODY_LIMIT_BYTES: String(64 * 1024),
      MEDIAGATE_HEADERS_TIMEOUT_MS: '1000',
      MEDIAGATE_REQUEST_TIMEOUT_MS: '2000',
      // An image takes longer than the request timeout, to show that the timeout does not bound answers.
      MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '2500',
    });
  });
  afterAll(async () => gw?.close());

  const raw = (text: string, waitMs?: number) => rawRequest(gw.baseUrl, text, waitMs);
  const postJson = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', ...headers },
      body,
    });

  it('a malformed %-escape in the path is a 400', async () => {
    const res = await fetch(`${gw.baseUrl}/v1/videos/%E0%A4%A`, { headers: auth });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(
      envelope('The URL path has a malformed %-escape; encode reserved characters as %XX.', 'invalid_url'),
    );
  });

  it('a path parameter over 100 characters is a 414', async () => {
    const res = await fetch(`${gw.baseUrl}/v1/videos/${'a'.repeat(150)}`, { headers: auth });
    expect(res.status).toBe(414);
    expect(await res.json()).toEqual(
      envelope('A path parameter is too long; ids are at most 100 characters.', 'path_parameter_too_long'),
    );
  });

  it('an Expect other than 100-continue is a 417', async () => {
    const answer = await raw(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    );
    expect(answer.status).toBe(417);
    expect(JSON.parse(answer.body)).toEqual(
      envelope('Expect: teapot is not supported; only Expect: 100-continue is.', 'unsupported_expectation', 'Expect'),
    );
  });

  it('a body over the limit is a 413', async () => {
    const res = await postJson(
      '/v1/chat/completions',
      JSON.stringify({ model: 'sora-2', messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] }),
    );
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('request_too_large');
  });

  it('an unsupported Content-Type is a 415', async () => {
    const res = await fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/xml' },
      body: '<a/>',
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual(
      envelope('Unsupported Content-Type. Send the body as application/json.', 'unsupported_media_type'),
    );
  });

  it('an unknown route or method is a 404', async () => {
    const res = await fetch(`${gw.baseUrl}/v1/models`, { method: 'PATCH', headers: auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(envelope('Unknown endpoint PATCH /v1/models.', 'unknown_url'));
  });

  it('JSON nested deeper than 64 levels is a 400 naming the bound, on every JSON endpoint', async () => {
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    for (const path of ['/v1/chat/completions', '/v1/videos', '/v1/images/generations', '/v1/images/edits']) {
      const res = await postJson(path, `{"model":"sora-2","prompt":"x","extra":${deep}}`, {
        'idempotency-key': `deep-${path}`,
      });
      expect(res.status, path).toBe(400);
      expect(await res.json()).toEqual(
        envelope(
          'The JSON body is nested more than 64 levels deep; no field of this API nests that far.',
          'json_too_deep',
        ),
      );
    }
  });

  it('JSON nested 60 levels is not refused for its depth', async () => {
    const res = await postJson(
      '/v1/chat/completions',
      `{"model":"no-such-model","messages":[{"role":"user","content":"x"}],"x":${'['.repeat(60)}${']'.repeat(60)}}`,
    );
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('model_not_found');
  });

  it('brackets inside strings (escaped quotes too) do not count as nesting', async () => {
    const text = `say \\" ${'[{'.repeat(200)}`;
    const res = await postJson(
      '/v1/chat/completions',
      JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: text }] }),
    );
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('model_not_found');
  });

  it('a Content-Length that is not a number is a 400 on the raw socket', async () => {
    const answer = await raw(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
    );
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(answer.body)).toEqual(
      envelope('The Content-Length header is not a valid number.', 'invalid_content_length'),
    );
    expect(answer.closed).toBe(true);
  });

  it('headers too large are a 431', async () => {
    const answer = await raw(`GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toEqual(
      envelope('The request headers are too large. Send fewer or shorter headers.', 'headers_too_large'),
    );
  });

  it('a garbage request line and a malformed header are 400s', async () => {
    const line = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(line.status).toBe(400);
    expect(JSON.parse(line.body).error.code).toBe('invalid_request_line');
    const header = await raw('GET /v1/models HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n');
    expect(header.status).toBe(400);
    expect(JSON.parse(header.body).error.code).toBe('invalid_header');
  });

  it('an HTTP/1.1 request without Host is a 400 in the envelope (Node alone answers an empty 400)', async () => {
    const answer = await raw('GET /v1/models HTTP/1.1\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual(
      envelope('HTTP/1.1 requests must carry a Host header.', 'missing_host_header', 'Host'),
    );
  });

  it('a client that never finishes its headers is cut off with a 408', async () => {
    const answer = await raw('GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n', 6_000);
    expect(answer.closed).toBe(true);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual(
      envelope('The request was not received in time. Send the headers and body without pausing.', 'request_timeout'),
    );
    expect(answer.elapsedMs).toBeLessThan(4_000);
  });

  it('a client that never finishes its body is cut off with a 408', async () => {
    const answer = await raw(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model"`,
      8_000,
    );
    expect(answer.closed).toBe(true);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body).error.code).toBe('request_timeout');
    expect(answer.elapsedMs).toBeLessThan(5_000);
  });

  it('a request slower to answer than the request timeout still gets its answer', async () => {
    // The timeouts bound receiving a request, not waiting for a generation.
    const started = Date.now();
    const res = await postJson(
      '/v1/images/generations',
      JSON.stringify({ model: 'gpt-image-1', prompt: 'a lighthouse', response_format: 'url' }),
    );
    expect(res.status).toBe(200);
    expect((await res.json()).data).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThan(2_000);
  }, 30_000);
});
