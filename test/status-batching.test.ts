import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAiVideos } from './fakes/openai-videos.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from './helpers/adapter-env.js';
import { channelsConfig } from './helpers/channels.js';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from './helpers/gateway.js';
import { mp4Info } from './helpers/media.js';

const LIST = /^\/v1\/videos$/;
const RETRIEVE = /^\/v1\/videos\/[^/]+$/;
const JOBS = 4;

const channel = (name: string, fake: FakeOpenAiVideos, model: string) => ({
  name,
  type: 'openai-videos',
  baseUrl: `${fake.url}/v1`,
  keys: ['sk-fake-videos'],
  models: { [model]: 'sora-2' },
});

describe(`status reads of OpenAI videos tasks go through the task list, task by task when it fails (${databaseLabel})`, () => {
  const listing = new FakeOpenAiVideos({ durationMs: 1_500 });
  const broken = new FakeOpenAiVideos({ durationMs: 1_500 });
  let gw: RunningGateway;

  beforeAll(async () => {
    await Promise.all([listing.start(), broken.start()]);
    const yaml = await channelsConfig([
      channel('listing', listing, 'sora-2'),
      channel('broken', broken, 'sora_video2'),
    ]);
    gw = await startGateway({ ...yaml, ...QUICK_POLL_ENV, ...NO_REVIEW_ENV });
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([listing.close(), broken.close()]);
  });

  /** JOBS chat requests at once; each answer's link must serve a real 4 s MP4. */
  async function runJobs(model: string) {
    const answers = await Promise.all(
      Array.from({ length: JOBS }, (_, i) =>
        gw.client.chat.completions.create({
          model,
          messages: [{ role: 'user', content: `lanterns on a river, shot ${i}, duration: 4 seconds` }],
        }),
      ),
    );
    for (const answer of answers) {
      const info = mp4Info(await download(firstLink(answer.choices[0].message.content ?? '')));
      expect(info.durationSeconds).toBeCloseTo(4, 0);
    }
  }

  it('tasks due together are read with one list call, not one call each', async () => {
    await runJobs('sora-2');
    expect(listing.accepted).toBe(JOBS);
    const lists = listing.matching('GET', LIST);
    expect(lists.length).toBeGreaterThan(0);
    expect(Object.fromEntries(lists[0].query)).toMatchObject({ order: 'desc', limit: '100' });
    // Jobs due in the same step share a list read; a single read only for one due alone.
    expect(listing.count('GET', RETRIEVE)).toBeLessThan(lists.length);
  });

  it('a list that answers 503 is tried once, then every task is read with its own GET and still completes', async () => {
    const overloaded = {
      status: 503,
      body: { error: { message: 'The engine is currently overloaded', type: 'server_error', param: null, code: null } },
    };
    broken.injectFaults(
      'GET',
      LIST,
      Array.from({ length: 50 }, () => overloaded),
    );
    await runJobs('sora_video2');
    expect(broken.accepted).toBe(JOBS);
    expect(broken.count('GET', LIST)).toBe(1);
    const readIds = new Set(broken.matching('GET', RETRIEVE).map((r) => r.path.split('/').pop()));
    expect(readIds.size).toBe(JOBS);
  });
});
