import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { parseSse } from './helpers/sse.js';

describe(`cancelling a job (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '20000' });
  });
  afterAll(async () => gw?.close());

  const auth = { authorization: `Bearer ${TEST_API_KEY}` };

  it('stops a running job, ends its stream, and refuses to cancel it twice', async () => {
    const res = await fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'sora-2',
        stream: true,
        messages: [{ role: 'user', content: 'a slow sunrise, 5s' }],
      }),
    });
    const jobId = res.headers.get('x-mediagate-job-id')!;
    const body = res.text();
    const cancelled = await fetch(`${gw.baseUrl}/v1/jobs/${jobId}/cancel`, { method: 'POST', headers: auth });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ id: jobId, status: 'cancelled', error: { code: 'cancelled' } });

    // The stream ends as a failure: finish_reason "error", then the 409 the request would get unstreamed.
    const { data } = parseSse(await body);
    expect(JSON.parse(data.at(-3)!).choices[0].finish_reason).toBe('error');
    expect(JSON.parse(data.at(-2)!)).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'cancelled' },
    });
    expect(data.at(-1)).toBe('[DONE]');

    // The same job answers under its video id too.
    const byVideoId = await fetch(`${gw.baseUrl}/v1/jobs/${jobId.replace(/^job_/, 'video_')}`, { headers: auth });
    expect(await byVideoId.json()).toMatchObject({ id: jobId, status: 'cancelled' });

    const again = await fetch(`${gw.baseUrl}/v1/jobs/${jobId}/cancel`, { method: 'POST', headers: auth });
    expect(again.status).toBe(409);
    expect((await again.json()).error).toEqual({
      message: `Job '${jobId}' has already finished (cancelled).`,
      type: 'invalid_request_error',
      param: 'id',
      code: 'job_already_finished',
    });
  });
});
