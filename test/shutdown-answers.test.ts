import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { type RunningGateway, startGateway, TEST_ADMIN_KEY, TEST_API_KEY } from './helpers/gateway.js';
import { call } from './helpers/operator.js';

describe(`while the gateway stops (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    // The image takes far longer than the test: it is still being made when the stop begins.
    gw = await startGateway({ MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '60000' });
  });
  afterAll(() => gw?.close());

  it('a waiting Images API request gets a 503 naming its job, a channel test says the job goes on, a late request is refused 503 and new connections are refused', async () => {
    const generating = gw.client.images.generate({ model: 'gpt-image-1', prompt: 'a red bicycle' });
    const testing = call(gw, '/admin/v1/channels/sandbox/test', { body: { model: 'gpt-image-1' } });
    const jobs = async () =>
      (
        await (
          await fetch(`${gw.baseUrl}/admin/v1/jobs`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })
        ).json()
      ).data as { id: string }[];
    let listed = await jobs();
    while (listed.length < 2) listed = await jobs();

    const stopped = gw.gateway.stop();
    // A request that still reaches the gateway (on a connection already open) is refused before any work.
    const late = await gw.gateway.app.inject({
      method: 'GET',
      url: '/v1/models',
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect(late.statusCode).toBe(503);
    expect(late.headers['x-should-retry']).toBe('true');
    expect(late.json()).toEqual({
      error: {
        message: 'The server is restarting and takes no new requests; retry in a few seconds.',
        type: 'server_error',
        param: null,
        code: 'server_shutting_down',
      },
    });
    const error = await generating.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    const jobId = apiError.headers?.get('x-mediagate-job-id') ?? '';
    expect(listed.map((job) => job.id)).toContain(jobId);
    expect(apiError.status).toBe(503);
    expect(apiError.headers?.get('x-should-retry')).toBe('true');
    expect(apiError.headers?.get('retry-after')).toBe('5');
    expect(apiError.error).toEqual({
      message:
        `The server is restarting. Job ${jobId} keeps running and resumes when the server is back: ` +
        `follow it with GET /v1/jobs/${jobId}, or send this request again to get its result.`,
      type: 'server_error',
      param: null,
      code: 'server_shutting_down',
    });

    const tested = await testing;
    const testJob = listed.find((job) => job.id !== jobId)!.id;
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({
      ok: false,
      job_id: testJob,
      error: {
        code: 'server_shutting_down',
        message: `The server is restarting; job ${testJob} keeps running and resumes when the server is back.`,
      },
    });

    const refused = await fetch(`${gw.baseUrl}/v1/models`).catch((err: { cause?: { code?: string } }) => err);
    expect((refused as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    await stopped;
  });
});
