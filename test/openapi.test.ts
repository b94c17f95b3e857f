import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

type Json = Record<string, any>;

/** A response the suite received, to be checked against the document. */
interface Sample {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

describe(`OpenAPI document (${databaseLabel})`, { timeout: 180_000 }, () => {
  let gw: RunningGateway;
  let document: Json;
  const samples: Sample[] = [];

  /** Calls the API as a client would and keeps the JSON answer with the path template it belongs to. */
  async function call(
    method: string,
    template: string,
    path: string,
    init: { body?: unknown; form?: FormData } = {},
  ): Promise<Json> {
    const res = await fetch(`${gw.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TEST_API_KEY}`,
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
      },
      body: init.form ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    });
    const body = await res.json();
    samples.push({ method: method.toLowerCase(), path: template, status: res.status, body });
    return body;
  }

  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '100', MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '300' });
    document = await (await fetch(`${gw.baseUrl}/openapi.json`)).json();
  });
  afterAll(async () => gw?.close());

  it('is served without authentication and validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(document.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/chat/completions',
      '/v1/images/generations',
      '/v1/images/edits',
      '/v1/videos',
      '/v1/videos/{video_id}',
      '/v1/videos/{video_id}/content',
      '/v1/videos/{video_id}/remix',
      '/v1/jobs/{job_id}',
      '/v1/models',
      '/openapi.json',
      '/metrics',
    ]) {
      expect(document.paths[path], path).toBeDefined();
    }
    expect(Object.keys(document.webhooks)).toEqual([
      'video.completed',
      'video.failed',
      'image.completed',
      'image.failed',
    ]);
  });

  it('has every route Fastify serves, each described by its own schema', () => {
    const operations = Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(
      ([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    const tags = document.tags.map((t: Json) => t.name);
    const ids = new Set<string>();
    for (const { path, method, op } of operations) {
      const where = `${method} ${path}`;
      // A route registered without a schema would still be listed, with a "Default Response" and no id.
      expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
      expect(ids.has(op.operationId), `${where}: operationId ${op.operationId} is unique`).toBe(false);
      ids.add(op.operationId);
      expect(op.tags.length === 1 && tags.includes(op.tags[0]), where).toBe(true);
      expect(op.summary, where).toBeTruthy();
      // /metrics takes an admin key (unless the operator serves it on its own port).
      const admin = path.startsWith('/admin/v1/') || path === '/metrics';
      const keyed = path.startsWith('/v1/') || admin;
      expect(op.security, where).toEqual(admin ? [{ adminAuth: [] }] : keyed ? [{ bearerAuth: [] }] : []);
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        expect(response.description, `${where} ${status}`).not.toBe('Default Response');
        expect(Object.keys(response.content ?? {}).length, `${where} ${status} has content`).toBeGreaterThan(0);
      }
      // Only the key and the body/query checks can refuse a request before its handler runs.
      if (keyed) expect(op.responses['401'], where).toBeDefined();
      if (admin) expect(op.responses['403'], where).toBeDefined();
      if (op.requestBody || op.parameters?.some((p: Json) => p.in === 'query'))
        expect(op.responses['400'], where).toBeDefined();
      const url = path.replace(/\{key\}$/, '*').replace(/\{(\w+)\}/g, ':$1');
      expect(gw.gateway.app.hasRoute({ method: method.toUpperCase() as 'GET', url }), `${where} is served`).toBe(true);
    }
    expect(operations.length).toBe(49);
  });

  it('describes requests with the schemas that validate them', () => {
    const schemas = document.components.schemas;
    const edit = document.paths['/v1/images/edits'].post.requestBody.content;
    expect(edit['multipart/form-data'].schema).toEqual({ $ref: '#/components/schemas/ImageEditForm' });
    expect(schemas.ImageEditForm.properties.image).toMatchObject({
      type: 'array',
      items: { type: 'string', format: 'binary' },
      minItems: 1,
      maxItems: 16,
    });
    expect(schemas.ImageEditForm.required).toEqual(expect.arrayContaining(['prompt', 'image']));
    expect(schemas.VideoCreateRequest.properties.seconds.anyOf.map((s: Json) => s.type)).toEqual(['string', 'number']);
    expect(schemas.ImageGenerationRequest.properties.response_format.anyOf[0].enum).toEqual(['url', 'b64_json']);
    const create = document.paths['/v1/videos'].post;
    expect(create.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    const list = document.paths['/v1/videos'].get;
    expect(list.parameters.map((p: Json) => p.name)).toEqual(['after', 'limit', 'order']);
    expect(document.paths['/openapi.json'].get.security).toEqual([]);
  });

  it('documents the headers of every answer that starts a job, and of its 429', () => {
    const starts = [
      ['/v1/chat/completions', 'post'],
      ['/v1/images/generations', 'post'],
      ['/v1/images/edits', 'post'],
      ['/v1/videos', 'post'],
      ['/v1/videos/{video_id}/remix', 'post'],
    ];
    for (const [path, method] of starts) {
      const headers = document.paths[path][method].responses['200'].headers;
      expect(Object.keys(headers), path).toEqual([
        'x-mediagate-job-id',
        'x-mediagate-channel',
        'idempotent-replayed',
        'x-mediagate-retry-of',
        'x-ratelimit-limit-requests',
        'x-ratelimit-remaining-requests',
        'x-ratelimit-reset-requests',
      ]);
      expect(headers['x-mediagate-job-id']).toMatchObject({
        schema: { type: 'string' },
        description: expect.stringContaining('/v1/jobs/{job_id}'),
      });
      const refused = document.paths[path][method].responses['429'];
      expect(Object.keys(refused.headers), path).toEqual([
        'retry-after',
        'x-should-retry',
        'x-ratelimit-limit-requests',
        'x-ratelimit-remaining-requests',
        'x-ratelimit-reset-requests',
      ]);
    }
  });

  it('accepts, by its response schemas, every response the API gives here', async () => {
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    await call('POST', '/v1/images/generations', '/v1/images/generations', {
      body: { model: 'gpt-image-1', prompt: 'a pear', response_format: 'url' },
    });
    await call('POST', '/v1/images/generations', '/v1/images/generations', {
      body: { model: 'gpt-image-1', prompt: 'a plum', output_format: 'webp' },
    });
    const form = new FormData();
    form.append('model', 'gpt-image-1');
    form.append('prompt', 'merge');
    for (const name of ['a.png', 'b.png']) form.append('image[]', await toFile(png, name, { type: 'image/png' }));
    await call('POST', '/v1/images/edits', '/v1/images/edits', { form });
    await call('POST', '/v1/images/generations', '/v1/images/generations', { body: { model: 'sora-2', prompt: 'x' } });

    const video = await call('POST', '/v1/videos', '/v1/videos', { body: { prompt: 'a drum 1s' } });
    let current = video;
    while (current.status !== 'completed' && current.status !== 'failed') {
      await new Promise((r) => setTimeout(r, 100));
      current = await call('GET', '/v1/videos/{video_id}', `/v1/videos/${video.id}`);
    }
    const failed = await call('POST', '/v1/videos', '/v1/videos', { body: { prompt: 'a bell #sandbox-fail 1s' } });
    for (
      let i = 0;
      i < 1000 && (await call('GET', '/v1/videos/{video_id}', `/v1/videos/${failed.id}`)).status !== 'failed';
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    await call('POST', '/v1/videos/{video_id}/remix', `/v1/videos/${video.id}/remix`, {
      body: { prompt: 'a louder drum' },
    });
    await call('GET', '/v1/videos', '/v1/videos?limit=2');
    await call('GET', '/v1/jobs/{job_id}', `/v1/jobs/${video.id.replace('video_', 'job_')}`);
    await call('GET', '/v1/jobs/{job_id}/events', '/v1/jobs/job_missing/events');
    await call('GET', '/v1/videos/{video_id}/content', `/v1/videos/${failed.id}/content`);
    const running = await call('POST', '/v1/videos', '/v1/videos', { body: { prompt: 'a long drum roll 3s' } });
    await call('POST', '/v1/jobs/{job_id}/cancel', `/v1/jobs/${running.id.replace('video_', 'job_')}/cancel`);
    await call('POST', '/v1/jobs/{job_id}/cancel', `/v1/jobs/${failed.id.replace('video_', 'job_')}/cancel`);
    await call('DELETE', '/v1/videos/{video_id}', `/v1/videos/${video.id}`);
    await call('GET', '/v1/videos/{video_id}', `/v1/videos/${video.id}`);
    await call('GET', '/v1/models', '/v1/models');
    await call('GET', '/v1/models/{model}', '/v1/models/sora-2');
    await call('POST', '/v1/chat/completions', '/v1/chat/completions', {
      body: { model: 'gpt-image-1', messages: [{ role: 'user', content: 'a fig' }] },
    });
    await call('POST', '/v1/chat/completions', '/v1/chat/completions', { body: { model: 'sora-2' } });
    const response = await call('POST', '/v1/responses', '/v1/responses', {
      body: { model: 'gpt-image-1', input: 'a kiwi', tools: [{ type: 'image_generation', size: '1024x1024' }] },
    });
    await call('GET', '/v1/responses/{response_id}', `/v1/responses/${response.id}`);
    await call('GET', '/v1/responses/{response_id}', '/v1/responses/resp_job_missing');
    await call('GET', '/v1/webhooks/default', '/v1/webhooks/default');
    await call('PUT', '/v1/webhooks/default', '/v1/webhooks/default', { body: { url: null } });

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema(document, 'openapi.json');
    const statuses = new Set(samples.map((s) => s.status));
    expect(statuses).toEqual(new Set([200, 400, 404, 409]));
    for (const sample of samples) {
      const response = document.paths[sample.path]?.[sample.method]?.responses?.[String(sample.status)];
      expect(response, `${sample.method} ${sample.path} ${sample.status} is documented`).toBeDefined();
      const pointer = response.content['application/json'].schema.$ref.replace(/^#/, 'openapi.json#');
      const validate = ajv.getSchema(pointer)!;
      const valid = validate(sample.body);
      expect(
        valid,
        `${sample.method} ${sample.path} ${sample.status}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(sample.body).slice(0, 400)}`,
      ).toBe(true);
    }
    // And the schemas are not vacuous: a Video missing its status is refused.
    const { status: _status, ...broken } = current;
    expect(ajv.getSchema('openapi.json#/components/schemas/Video')!(broken)).toBe(false);
  });

  it('has a readable reference page built from the document, with no external assets', async () => {
    const res = await fetch(`${gw.baseUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    for (const path of Object.keys(document.paths)) expect(html).toContain(`<code>${path}</code>`);
    expect(html).toContain('id="schema-Video"');
    expect(html).not.toMatch(/<script|<link|src="http|href="http/i);
  });
});
