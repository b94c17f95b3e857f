import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

/*
 * Request schemas are declared on the routes and checked by Fastify before the handler runs (a
 * multipart form after the handler has read it). These pin the answers to what the handlers' own
 * checks gave: the same 400s, envelopes and idempotency fingerprints, whichever encoding a body
 * came in.
 */

const auth = { authorization: `Bearer ${TEST_API_KEY}` };
const notAnObject = {
  error: {
    message: 'The request body must be a JSON object.',
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_json',
  },
};
const invalid = (param: string, message: string) => ({
  error: { message, type: 'invalid_request_error', param, code: 'invalid_value' },
});

describe(`request validation at the route (${databaseLabel})`, { timeout: 120_000 }, () => {
  let gw: RunningGateway;
  let videoId: string;

  async function send(
    method: string,
    path: string,
    init: { json?: string; body?: BodyInit; headers?: Record<string, string> } = {},
  ) {
    const res = await fetch(`${gw.baseUrl}${path}`, {
      method,
      headers: { ...auth, ...(init.json !== undefined && { 'content-type': 'application/json' }), ...init.headers },
      body: init.json ?? init.body,
    });
    return { status: res.status, headers: res.headers, body: await res.json() };
  }

  beforeAll(async () => {
    gw = await startGateway();
    videoId = (await send('POST', '/v1/videos', { json: JSON.stringify({ prompt: 'a kite 1s' }) })).body.id;
  });
  afterAll(async () => gw?.close());

  it('a JSON body that is not an object is a 400 invalid_json on every route that takes one', async () => {
    const routes = [
      ['POST', '/v1/chat/completions'],
      ['POST', '/v1/images/generations'],
      ['POST', '/v1/images/edits'],
      ['POST', '/v1/videos'],
      ['POST', `/v1/videos/${videoId}/remix`],
      ['PUT', '/v1/webhooks/default'],
    ];
    for (const [method, path] of routes) {
      for (const json of ['null', '[]', '"a prompt"', '7']) {
        expect({ route: `${method} ${path} ${json}`, ...(await send(method, path, { json })) }).toMatchObject({
          status: 400,
          body: notAnObject,
        });
      }
    }
  });

  it('a body in an encoding a route has no schema for (text/plain, none) gets the same 400', async () => {
    for (const path of ['/v1/videos', '/v1/images/edits', `/v1/videos/${videoId}/remix`, '/v1/chat/completions']) {
      const text = await send('POST', path, { body: '{"prompt":"x"}', headers: { 'content-type': 'text/plain' } });
      expect({ path, ...text }).toMatchObject({ status: 400, body: notAnObject });
      const none = await send('POST', path);
      expect({ path, ...none }).toMatchObject({ status: 400, body: notAnObject });
    }
  });

  it('names the field, nested ones by path, with the message the handlers gave', async () => {
    expect(
      await send('POST', '/v1/chat/completions', {
        json: JSON.stringify({ model: '', messages: [{ role: 'user', content: 'x' }] }),
      }),
    ).toMatchObject({
      status: 400,
      body: invalid('model', 'Invalid value for \'model\': must be a model name such as "sora-2".'),
    });
    expect(
      await send('POST', '/v1/images/generations', { json: JSON.stringify({ prompt: 'x', n: 11 }) }),
    ).toMatchObject({
      status: 400,
      body: invalid('n', "Invalid value for 'n': Too big: expected number to be <=10."),
    });
    expect(
      await send('POST', '/v1/images/edits', {
        json: JSON.stringify({ prompt: 'x', images: [{ image_url: 'https://example.com/a.png' }, { image_url: 7 }] }),
      }),
    ).toMatchObject({
      status: 400,
      body: { error: { param: 'images[1]', code: 'invalid_value' } },
    });
    expect(
      await send('PUT', '/v1/webhooks/default', { json: JSON.stringify({ url: 'ftp://example.com/hook' }) }),
    ).toMatchObject({
      status: 400,
      body: invalid('url', "Invalid value for 'url': must be an http(s) URL."),
    });
  });

  it('validates the query string and leaves path parameters to the handler', async () => {
    expect(await send('GET', '/v1/videos?limit=0')).toMatchObject({
      status: 400,
      body: invalid('limit', "Invalid value for 'limit': Too small: expected number to be >=1."),
    });
    expect(await send('GET', '/v1/videos?order=sideways')).toMatchObject({
      status: 400,
      body: invalid('order', 'Invalid value for \'order\': Invalid option: expected one of "asc"|"desc".'),
    });
    expect((await send('GET', '/v1/videos?limit=1&order=asc')).body).toMatchObject({
      object: 'list',
      data: [{ id: videoId }],
    });
    expect(await send('GET', `/v1/videos/${videoId}/content?variant=poster`)).toMatchObject({
      status: 400,
      body: invalid(
        'variant',
        'Invalid value for \'variant\': Invalid option: expected one of "video"|"thumbnail"|"spritesheet".',
      ),
    });
    expect(await send('GET', '/v1/jobs/job_doesnotexist')).toMatchObject({
      status: 404,
      body: { error: { param: 'id', code: 'job_not_found' } },
    });
    expect(await send('GET', '/v1/models/no-such-model')).toMatchObject({
      status: 404,
      body: { error: { param: 'model', code: 'model_not_found' } },
    });
  });

  it('a multipart form answers as its JSON twin: the same schema validates both', async () => {
    const form = (fields: Record<string, string>) => {
      const data = new FormData();
      for (const [name, value] of Object.entries(fields)) data.append(name, value);
      return data;
    };
    const cases: [Record<string, string>, unknown][] = [
      [
        { seconds: '4' },
        {
          error: {
            message: "Missing required parameter: 'prompt'.",
            type: 'invalid_request_error',
            param: 'prompt',
            code: 'missing_required_parameter',
          },
        },
      ],
      [{ prompt: 'x', seconds: 'four' }, undefined],
      [{ prompt: 'x', size: 'big' }, invalid('size', 'Invalid value for \'size\': must look like "1280x720".')],
    ];
    for (const [fields, expected] of cases) {
      const multipart = await send('POST', '/v1/videos', { body: form(fields) });
      const json = await send('POST', '/v1/videos', { json: JSON.stringify(fields) });
      expect(multipart.status, JSON.stringify(fields)).toBe(400);
      expect(multipart.body).toEqual(json.body);
      if (expected) expect(multipart.body).toEqual(expected);
    }
    const remix = await send('POST', `/v1/videos/${videoId}/remix`, {
      body: form({ webhook_url: 'https://example.com/hook' }),
    });
    expect(remix).toMatchObject({
      status: 400,
      body: {
        error: {
          message: "Missing required parameter: 'prompt'.",
          param: 'prompt',
          code: 'missing_required_parameter',
        },
      },
    });
  });

  it('an Idempotency-Key fingerprint is over the body as sent, not as the schema coerced it', async () => {
    const key = { 'idempotency-key': `route-validation-${Date.now()}` };
    const first = await send('POST', '/v1/videos', {
      json: JSON.stringify({ prompt: 'a lantern 1s', seed: '7' }),
      headers: key,
    });
    expect(first.status).toBe(200);
    const again = await send('POST', '/v1/videos', {
      json: JSON.stringify({ seed: '7', prompt: 'a lantern 1s' }),
      headers: key,
    });
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const coerced = await send('POST', '/v1/videos', {
      json: JSON.stringify({ prompt: 'a lantern 1s', seed: 7 }),
      headers: key,
    });
    expect(coerced).toMatchObject({
      status: 409,
      body: { error: { param: 'Idempotency-Key', code: 'idempotency_key_reused' } },
    });
  });
});
