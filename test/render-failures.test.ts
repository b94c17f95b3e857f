import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

const auth = { authorization: `Bearer ${TEST_API_KEY}` };

/**
 * A render that fails would fail the same way on every poll, so the job fails at the first failure
 * instead of being polled for minutes (the sandbox's ffmpeg is missing here, so every video render fails).
 */
describe(`a failed sandbox render fails the job at once (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ FFMPEG_PATH: '/nonexistent/ffmpeg', MEDIAGATE_MODERATION: 'false' });
  });
  afterAll(async () => gw?.close());

  it('the video job ends failed after one status check, with the render error', async () => {
    const started = Date.now();
    const created = await fetch(`${gw.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'waves at dusk', seconds: '4' }),
    });
    expect(created.status).toBe(200);
    const jobId = created.headers.get('x-mediagate-job-id')!;
    let job;
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = await (await fetch(`${gw.baseUrl}/v1/jobs/${jobId}`, { headers: auth })).json();
    } while (job.status !== 'failed' && job.status !== 'succeeded' && Date.now() - started < 20_000);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('upstream_error');
    expect(job.error.message).toMatch(/^The sandbox could not render this request: .*ENOENT/);
    // The sandbox reports progress until its latency has passed, then renders once.
    expect(Date.now() - started).toBeLessThan(6_000);
  });
});
