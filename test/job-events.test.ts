import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { postJson, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { openJobEvents, readEvents } from './helpers/job-events.js';

const OTHER_KEY = 'sk-other-key-abcdefghijkl';

/** A video job made through `POST /v1/videos`; its job id. */
async function startVideo(gw: RunningGateway, prompt: string): Promise<string> {
  const res = await postJson(gw, '/v1/videos', { prompt });
  expect(res.status).toBe(200);
  return res.headers.get('x-mediagate-job-id')!;
}

describe(`GET /v1/jobs/{id}/events on one instance (${databaseLabel})`, { timeout: 60_000 }, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({
      MEDIAGATE_API_KEYS: `${TEST_API_KEY},${OTHER_KEY}`,
      MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '1500',
      MEDIAGATE_KEEPALIVE_MS: '300',
    });
  });
  afterAll(async () => gw?.close());

  it('streams a running job’s progress, then `completed` with the job object, then ends', async () => {
    const jobId = await startVideo(gw, 'a drum 1s');
    const res = await openJobEvents(gw, jobId);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('x-mediagate-job-id')).toBe(jobId);
    const events = await readEvents(res);
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress[0].data).toEqual({ id: jobId, object: 'generation.job.progress', progress: expect.any(Number) });
    expect(progress.length).toBeGreaterThan(2);
    const values = progress.map((e) => e.data.progress as number);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
    const last = events.at(-1)!;
    expect(last.event).toBe('completed');
    expect(last.data).toMatchObject({
      id: jobId,
      object: 'generation.job',
      status: 'succeeded',
      progress: 100,
      results: [{ content_type: 'video/mp4', url: expect.stringMatching(/\/media\//) }],
    });
    expect(events.filter((e) => e.event !== 'progress')).toHaveLength(1);
  });

  it('answers an ended job’s final event at once, under any id the client holds for it', async () => {
    const jobId = await startVideo(gw, 'a bell #sandbox-fail 1s');
    await readEvents(await openJobEvents(gw, jobId));
    const started = Date.now();
    const events = await readEvents(await openJobEvents(gw, jobId.replace('job_', 'video_')));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(events).toHaveLength(1);
    expect(events[0].event).toBe('failed');
    expect(events[0].data).toMatchObject({ id: jobId, status: 'failed', error: { code: expect.any(String) } });
  });

  it('ends with `cancelled` when the job is cancelled', async () => {
    const jobId = await startVideo(gw, 'a long drum roll 3s');
    const reading = readEvents(await openJobEvents(gw, jobId));
    const cancel = await postJson(gw, `/v1/jobs/${jobId}/cancel`, {});
    expect(cancel.status).toBe(200);
    const events = await reading;
    expect(events.at(-1)).toMatchObject({ event: 'cancelled', data: { id: jobId, status: 'cancelled' } });
  });

  it('is a 404 job_not_found for another key’s job and for an unknown id', async () => {
    const jobId = await startVideo(gw, 'a secret garden 1s');
    for (const [id, key] of [
      [jobId, OTHER_KEY],
      ['job_missing', TEST_API_KEY],
    ]) {
      const res = await openJobEvents(gw, id, key);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: {
          message: `No job with id '${id}'.`,
          type: 'invalid_request_error',
          param: 'id',
          code: 'job_not_found',
        },
      });
    }
    const noKey = await fetch(`${gw.baseUrl}/v1/jobs/${jobId}/events`);
    expect(noKey.status).toBe(401);
    expect((await noKey.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'missing_api_key' });
  });
});
