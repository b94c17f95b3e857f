import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personPhotos } from './fixtures/moderation/labelled-set.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

/*
 * The one timing check of the moderation suite: model inference runs in worker threads, so a burst
 * of reference checks (face detector) and result reviews (NSFW classifier), cold models included,
 * must not hold up another client's stream. The stream's keep-alive comment comes after 150 ms of
 * silence, so a free event loop writes to it every ~200 ms at most; the bound is generous (1 s) so
 * that a loaded 2-core machine does not fail it; a check on the main thread takes 100–500 ms per
 * image here and a burst of them would blow through it.
 */
describe(`streams keep flowing while moderation models work (${databaseLabel})`, () => {
  let gw: RunningGateway;
  let references: string[];

  beforeAll(async () => {
    gw = await startGateway({
      MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '120000',
      MEDIAGATE_SANDBOX_POLL_MS: '100',
      MEDIAGATE_KEEPALIVE_MS: '150',
    });
    // Distinct photographs, so no check is answered from the verdict cache.
    const photos = (await personPhotos()).filter((p) => p.group === 'face close-up (small)').slice(0, 10);
    references = photos.map((p) => `data:image/jpeg;base64,${p.bytes.toString('base64')}`);
  });
  afterAll(async () => gw?.close());

  const post = (body: unknown) =>
    fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify(body),
    });

  it('no gap over 1 s between the events of a streamed video while 10 reference checks and 6 result reviews run', async () => {
    const res = await post({
      model: 'sora-2',
      stream: true,
      messages: [{ role: 'user', content: 'a calm river under willows, 4 seconds' }],
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    /** Arrival times of SSE events: progress deltas and the keep-alive comments sent after 150 ms of silence. */
    const arrivals: number[] = [];
    let text = '';
    const readMore = async () => {
      const { done, value } = await reader.read();
      if (done) throw new Error('the stream ended early');
      const chunk = decoder.decode(value, { stream: true });
      text += chunk;
      const events = (chunk.match(/^(data: |: )/gm) ?? []).length;
      for (let i = 0; i < events; i++) arrivals.push(performance.now());
    };
    while (!/Progress \d+%/.test(text)) await readMore();

    const started = performance.now();
    let burstDone = false;
    const burst = Promise.all([
      ...references.map((url) =>
        post({
          model: 'sora-2',
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'make a video of this' },
                { type: 'image_url', image_url: { url } },
              ],
            },
          ],
        }).then(async (r) => (await r.json()).error?.param ?? r.status),
      ),
      ...Array.from({ length: 6 }, (_, i) =>
        post({ model: 'gpt-image-1', messages: [{ role: 'user', content: `a watercolour of boat number ${i}` }] }).then(
          (r) => r.status,
        ),
      ),
    ]).finally(() => (burstDone = true));
    // The video takes two minutes, so the stream stays open for as long as the burst lasts.
    while (!burstDone) await readMore();
    const ended = performance.now();
    await reader.cancel();

    // The burst really ran the models: every photo was refused by the face detector, every image was reviewed and delivered.
    expect(await burst).toEqual([...Array(10).fill('input_image'), ...Array(6).fill(200)]);
    const window = arrivals.filter((t) => t >= started);
    const gaps = window.slice(1).map((t, i) => t - window[i]);
    expect(window.length).toBeGreaterThan(5);
    expect(window[window.length - 1]).toBeGreaterThanOrEqual(ended - 1_000);
    expect(Math.max(...gaps)).toBeLessThan(1_000);
  });
});
