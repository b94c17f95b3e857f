import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateImage, generateText, RetryError } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryCountOf } from '../src/http/idempotency.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway, postJson } from './helpers/gateway.js';
import { call, type Json } from './helpers/operator.js';

/** Small, so that one test can outwait it; a running job is joined whatever its age. */
const RETRY_WINDOW_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sandbox's own failure, as every failed create answers it. */
const SANDBOX_FAILURE = {
  error: {
    message: expect.stringContaining('The sandbox failed this job on request'),
    type: 'upstream_error',
    param: null,
    code: 'upstream_error',
  },
};

describe(`Client retries never duplicate work (${databaseLabel})`, { timeout: 60_000 }, () => {
  let gw: RunningGateway;
  /** The official client as a user makes it: default retries (2), default timeout. */
  let sdk: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({
      MEDIAGATE_RETRY_WINDOW_MS: String(RETRY_WINDOW_MS),
      // The production default; the test helper turns the replay off for other tests.
      MEDIAGATE_FAILURE_REPLAY_MS: '30000',
      MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '100',
    });
    sdk = new OpenAI({ apiKey: TEST_API_KEY, baseURL: `${gw.baseUrl}/v1` });
  });
  afterAll(async () => gw?.close());

  /** Every job whose prompt contains `word`, newest first, from the admin API. */
  const jobsWith = async (word: string): Promise<Json[]> => {
    const { body } = await call(gw, '/admin/v1/jobs?limit=100');
    return body.data.filter((job: Json) => String(job.prompt).includes(word));
  };

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) => postJson(gw, path, body, headers);

  describe('the official openai client at its default retries', () => {
    it('a failing chat completion makes one job, and its 502 says x-should-retry: false', async () => {
      const err = await sdk.chat.completions
        .create({ model: 'gpt-image-1', messages: [{ role: 'user', content: 'a walrus #sandbox-fail' }] })
        .catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect(err.status).toBe(502);
      expect({ error: err.error }).toEqual(SANDBOX_FAILURE);
      expect(err.headers.get('x-should-retry')).toBe('false');
      const jobs = await jobsWith('walrus');
      expect(jobs.map((j) => [j.status, j.error?.code])).toEqual([['failed', 'upstream_error']]);
      expect(err.headers.get('x-mediagate-job-id')).toBe(jobs[0].id);
    });

    it('a failing images.generate makes one job', async () => {
      const err = await sdk.images.generate({ model: 'gpt-image-1', prompt: 'a heron #sandbox-fail' }).catch((e) => e);
      expect(err.status).toBe(502);
      expect({ error: err.error }).toEqual(SANDBOX_FAILURE);
      expect(err.headers.get('x-should-retry')).toBe('false');
      expect(await jobsWith('heron')).toHaveLength(1);
    });

    it('videos.create of a failing video makes one job; the same create right after gets that failed video', async () => {
      const body = { model: 'sora-2', prompt: 'a marmot #sandbox-fail', seconds: '4' as const };
      const created = await sdk.videos.create(body);
      let video = created;
      while (video.status !== 'failed') {
        await sleep(100);
        video = await sdk.videos.retrieve(created.id);
      }
      expect(video.error).toMatchObject({ code: 'upstream_error' });

      const { data: again, response } = await sdk.videos.create(body).withResponse();
      expect(again).toMatchObject({ id: created.id, status: 'failed' });
      expect(response.headers.get('x-mediagate-retry-of')).toBe(created.id.replace('video_', 'job_'));
      expect(response.headers.get('idempotent-replayed')).toBe('true');
      expect(await jobsWith('marmot')).toHaveLength(1);
    });

    it('a failing responses.create makes one job, with the same 502 as chat', async () => {
      const err = await sdk.responses
        .create({ model: 'gpt-image-1', input: 'a bittern #sandbox-fail' })
        .catch((e) => e);
      expect(err.status).toBe(502);
      expect({ error: err.error }).toEqual(SANDBOX_FAILURE);
      expect(err.headers.get('x-should-retry')).toBe('false');
      expect(await jobsWith('bittern')).toHaveLength(1);
    });

    it('two identical requests that succeed make two jobs: the replay is for failures only', async () => {
      const first = await sdk.images.generate({ model: 'gpt-image-1', prompt: 'a quince' }).withResponse();
      const second = await sdk.images.generate({ model: 'gpt-image-1', prompt: 'a quince' }).withResponse();
      const ids = [first, second].map((r) => r.response.headers.get('x-mediagate-job-id'));
      expect(new Set(ids).size).toBe(2);
      expect(second.response.headers.get('x-mediagate-retry-of')).toBeNull();
      expect(await jobsWith('quince')).toHaveLength(2);
    });
  });

  describe('the AI SDK at its default retries (it ignores x-should-retry and sends no retry header)', () => {
    const provider = () => createOpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: TEST_API_KEY });

    it('generateText with .chat() on a failing generation: three attempts, one job', async () => {
      const err = await generateText({
        model: provider().chat('gpt-image-1'),
        prompt: 'a pelican #sandbox-fail',
      }).catch((e) => e);
      expect(RetryError.isInstance(err)).toBe(true);
      expect(err.errors).toHaveLength(3);
      for (const attempt of err.errors) {
        expect(APICallError.isInstance(attempt)).toBe(true);
        expect(attempt.statusCode).toBe(502);
      }
      const jobs = await jobsWith('pelican');
      expect(jobs).toHaveLength(1);
      expect(err.lastError.responseHeaders['x-mediagate-retry-of']).toBe(jobs[0].id);
    });

    it('generateText with the default model form (the Responses API) on a failing generation: one job', async () => {
      const err = await generateText({ model: provider()('gpt-image-1'), prompt: 'a shoebill #sandbox-fail' }).catch(
        (e) => e,
      );
      expect(RetryError.isInstance(err)).toBe(true);
      expect(err.errors.map((e: APICallError) => e.statusCode)).toEqual([502, 502, 502]);
      expect(await jobsWith('shoebill')).toHaveLength(1);
    });

    it('generateImage on a failing generation: three attempts, one job', async () => {
      const err = await generateImage({
        model: provider().image('gpt-image-1'),
        prompt: 'an ibis #sandbox-fail',
      }).catch((e) => e);
      expect(RetryError.isInstance(err)).toBe(true);
      expect(err.errors.map((e: APICallError) => e.statusCode)).toEqual([502, 502, 502]);
      expect(await jobsWith('ibis')).toHaveLength(1);
    });
  });

  describe('a raw retry (x-stainless-retry-count)', () => {
    it('with the same body joins the running job; with another body starts a new one', async () => {
      const body = { model: 'sora-2', prompt: 'a lynx in snow', seconds: '4' };
      const first = await post('/v1/videos', body, { 'x-stainless-retry-count': '0' });
      const jobId = first.headers.get('x-mediagate-job-id');
      expect(first.headers.get('idempotent-replayed')).toBeNull();

      const retry = await post('/v1/videos', body, { 'x-stainless-retry-count': '1' });
      expect(retry.status).toBe(200);
      expect((await retry.json()).status).not.toBe('completed');
      expect(retry.headers.get('x-mediagate-job-id')).toBe(jobId);
      expect(retry.headers.get('x-mediagate-retry-of')).toBe(jobId);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');

      const changed = await post(
        '/v1/videos',
        { ...body, prompt: 'a lynx in rain' },
        { 'x-stainless-retry-count': '1' },
      );
      expect(changed.headers.get('x-mediagate-job-id')).not.toBe(jobId);
      expect(changed.headers.get('x-mediagate-retry-of')).toBeNull();
      expect(await jobsWith('lynx')).toHaveLength(2);
    });

    it('joins a finished job within the window, and starts a new one after it', async () => {
      const body = { model: 'gpt-image-1', prompt: 'a tapir', response_format: 'url' };
      const first = await post('/v1/images/generations', body);
      expect(first.status).toBe(200);
      const firstAnswer = await first.json();
      const retry = await post('/v1/images/generations', body, { 'x-stainless-retry-count': '2' });
      expect(retry.headers.get('x-mediagate-retry-of')).toBe(first.headers.get('x-mediagate-job-id'));
      expect(await retry.json()).toEqual(firstAnswer);

      await sleep(RETRY_WINDOW_MS + 100);
      const late = await post('/v1/images/generations', body, { 'x-stainless-retry-count': '1' });
      expect(late.status).toBe(200);
      expect(late.headers.get('x-mediagate-retry-of')).toBeNull();
      expect(await jobsWith('tapir')).toHaveLength(2);
    });

    it('does not join a job a request of this process still waits on: identical calls in parallel stay apart', async () => {
      const body = { model: 'sora-2', messages: [{ role: 'user', content: 'an okapi, duration: 4 seconds' }] };
      const first = post('/v1/chat/completions', body);
      while ((await jobsWith('okapi')).length < 1) await sleep(50);
      // A sibling call's 429 retried by the SDK: the first call is still waiting, so this is not its retry.
      const sibling = await post('/v1/chat/completions', body, { 'x-stainless-retry-count': '1' });
      expect(sibling.status).toBe(200);
      expect(sibling.headers.get('x-mediagate-retry-of')).toBeNull();
      const firstAnswer = await first;
      expect(sibling.headers.get('x-mediagate-job-id')).not.toBe(firstAnswer.headers.get('x-mediagate-job-id'));
      expect(await jobsWith('okapi')).toHaveLength(2);
    });

    it('a retry count that is not a number reads as a first attempt', async () => {
      const body = { model: 'gpt-image-1', prompt: 'a dugong', response_format: 'url' };
      await post('/v1/images/generations', body);
      const odd = await post('/v1/images/generations', body, { 'x-stainless-retry-count': 'one' });
      expect(odd.status).toBe(200);
      expect(odd.headers.get('x-mediagate-retry-of')).toBeNull();
      expect(await jobsWith('dugong')).toHaveLength(2);
    });
  });

  describe('the same request right after a failure', () => {
    const failing = { model: 'gpt-image-1', messages: [{ role: 'user', content: 'a newt #sandbox-fail' }] };

    it('gets the same failure and makes no job; its own Idempotency-Key makes a new one', async () => {
      const first = await post('/v1/chat/completions', failing);
      expect(first.status).toBe(502);
      const firstBody = await first.json();
      expect(firstBody).toEqual(SANDBOX_FAILURE);
      const jobId = first.headers.get('x-mediagate-job-id');

      const again = await post('/v1/chat/completions', failing);
      expect(again.status).toBe(502);
      expect(await again.json()).toEqual(firstBody);
      expect(again.headers.get('x-should-retry')).toBe('false');
      expect(again.headers.get('x-mediagate-job-id')).toBe(jobId);
      expect(again.headers.get('x-mediagate-retry-of')).toBe(jobId);
      expect(await jobsWith('newt')).toHaveLength(1);

      const keyed = await post('/v1/chat/completions', failing, { 'Idempotency-Key': 'newt-try-2' });
      expect(keyed.status).toBe(502);
      expect(keyed.headers.get('x-mediagate-job-id')).not.toBe(jobId);
      expect(keyed.headers.get('x-mediagate-retry-of')).toBeNull();
      expect(await jobsWith('newt')).toHaveLength(2);
    });

    it('a cancelled job is not replayed: the user stopped it and may ask again', async () => {
      const body = { model: 'sora-2', prompt: 'a quokka', seconds: '4' };
      const first = await post('/v1/videos', body);
      const jobId = first.headers.get('x-mediagate-job-id');
      expect((await post(`/v1/jobs/${jobId}/cancel`, {})).status).toBe(200);
      const again = await post('/v1/videos', body);
      expect(again.headers.get('x-mediagate-retry-of')).toBeNull();
      expect(again.headers.get('x-mediagate-job-id')).not.toBe(jobId);
      expect(await jobsWith('quokka')).toHaveLength(2);
    });

    it('is not replayed to another API key', async () => {
      const other = await gw.gateway.operator.createAccount({ name: 'Other', balance: 10_000_000 });
      const { secret } = await gw.gateway.operator.createKey({ accountId: other.id, name: 'other' });
      const body = { model: 'gpt-image-1', prompt: 'a gecko #sandbox-fail' };
      expect((await post('/v1/images/generations', body)).status).toBe(502);
      const theirs = await fetch(`${gw.baseUrl}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(theirs.headers.get('x-mediagate-retry-of')).toBeNull();
      expect(await jobsWith('gecko')).toHaveLength(2);
    });
  });

  it('refusals a retry cannot change say x-should-retry: false', async () => {
    const blocked = await post('/v1/images/generations', {
      model: 'gpt-image-1',
      prompt: 'Pikachu dancing in the rain',
    });
    expect(blocked.status).toBe(400);
    expect((await blocked.json()).error.code).toBe('content_policy_violation');
    expect(blocked.headers.get('x-should-retry')).toBe('false');
    const unknown = await post('/v1/images/generations', { model: 'no-such-model', prompt: 'a yak' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-should-retry')).toBe('false');
  });
});

describe(`A job timeout is not retried (${databaseLabel})`, { timeout: 60_000 }, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_JOB_TIMEOUT_MS: '300' });
  });
  afterAll(async () => gw?.close());

  it('the official client at its default retries gets one 504 job_timeout, x-should-retry: false, and one job', async () => {
    const sdk = new OpenAI({ apiKey: TEST_API_KEY, baseURL: `${gw.baseUrl}/v1` });
    const err = await sdk.chat.completions
      .create({ model: 'sora-2', messages: [{ role: 'user', content: 'a slow glacier 4s' }] })
      .catch((e) => e);
    expect(err.status).toBe(504);
    expect(err.error.code).toBe('job_timeout');
    expect(err.headers.get('x-should-retry')).toBe('false');
    const { body } = await call(gw, '/admin/v1/jobs?limit=100');
    expect(body.data.map((job: Json) => [job.status, job.error?.code])).toEqual([['failed', 'job_timeout']]);
  });
});

describe('X-Stainless-Retry-Count', () => {
  it('is read leniently: anything but a plain number is a first attempt', () => {
    expect(retryCountOf('1')).toBe(1);
    expect(retryCountOf(' 2 ')).toBe(2);
    expect(retryCountOf(['3', '0'])).toBe(3);
    for (const odd of [undefined, '', '0', '-1', '1e3', '1.5', 'one', '9999999999'])
      expect(retryCountOf(odd), String(odd)).toBe(0);
  });
});
