import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

describe(`errors and authentication (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_BODY_LIMIT_BYTES: String(256 * 1024) });
  });
  afterAll(async () => gw?.close());

  const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TEST_API_KEY}` }) =>
    fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const simple = { model: 'gpt-image-1', messages: [{ role: 'user', content: 'a cat' }] };

  it('401 with the OpenAI envelope for a missing key', async () => {
    const res = await post(simple, {});
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: {
        message: 'Missing API key. Send it as "Authorization: Bearer <key>".',
        type: 'invalid_request_error',
        param: null,
        code: 'missing_api_key',
      },
    });
  });

  it('401 for a wrong key, without echoing the whole key', async () => {
    const client = new OpenAI({ apiKey: 'sk-wrong-key-1234567890', baseURL: `${gw.baseUrl}/v1`, maxRetries: 0 });
    const err = await client.models.list().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
    expect(err.message).not.toContain('sk-wrong-key-1234567890');
  });

  it('accepts the bare "Authorization: <key>" form of seed 004', async () => {
    const res = await fetch(`${gw.baseUrl}/v1/models`, { headers: { authorization: TEST_API_KEY } });
    expect(res.status).toBe(200);
  });

  it('400 for invalid JSON', async () => {
    const res = await post('{"model": "sora-2", "messages": [');
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.code).toBe('invalid_json');
  });

  it('400 naming the missing field', async () => {
    const res = await post({ model: 'sora-2' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: "Missing required parameter: 'messages'.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'missing_required_parameter',
      },
    });
  });

  it('400 naming a malformed content part', async () => {
    const res = await post({
      model: 'sora-2',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'audio' }] }],
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.param).toBe('messages[0].content[1]');
  });

  it('404 model_not_found', async () => {
    const err = await gw.client.chat.completions
      .create({ model: 'gpt-9-video', messages: [{ role: 'user', content: 'x' }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe('model_not_found');
    expect(err.param).toBe('model');
  });

  it('400 reference_image_required for flux-kontext-dev without an image', async () => {
    const err = await gw.client.chat.completions
      .create({ model: 'flux-kontext-dev', messages: [{ role: 'user', content: 'make it blue' }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe('reference_image_required');
    expect(err.message).toContain('flux-kontext-dev');
  });

  it('413 for an oversized body', async () => {
    const res = await post({ ...simple, padding: 'x'.repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('request_too_large');
  });

  it('refuses image URLs on loopback and private addresses', async () => {
    for (const url of [
      'http://127.0.0.1:1/cat.png',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/x.png',
      'http://10.0.0.8/a.png',
    ]) {
      const res = await post({
        model: 'sora-2',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'go' },
              { type: 'image_url', image_url: { url } },
            ],
          },
        ],
      });
      expect(res.status, url).toBe(400);
      const body = await res.json();
      expect(body.error.code, url).toBe('image_url_not_allowed');
      expect(body.error.param).toBe('messages[0].content[1].image_url.url');
    }
  });

  it('a non-streaming upstream failure is a 502 upstream_error', async () => {
    const err = await gw.client.chat.completions
      .create({ model: 'gpt-image-1', messages: [{ role: 'user', content: 'x #sandbox-fail' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.type).toBe('upstream_error');
    expect(err.code).toBe('upstream_error');
  });

  it('unknown routes answer 404 in the envelope', async () => {
    const res = await fetch(`${gw.baseUrl}/v1/nothing-here`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('unknown_url');
  });
});
