import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/index.js';
import { SqlJobStore } from '../src/jobs/job-store.js';
import type { JobRecord } from '../src/jobs/types.js';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

/** Every file under a directory, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1))
    .sort();
}

const WITHHELD = (kind: 'image' | 'video') =>
  `Output review (category: neutral): the generated ${kind} was rated ordinary content, which this gateway is configured to withhold; it was deleted and will not be billed. Change the prompt and try again.`;

/*
 * No sexually explicit sample ships with any installed package, so these tests drive stage 3 with a
 * threshold that withholds everything (`neutral=0`): the classifier really runs on the sandbox's
 * image or sampled video frames, and the plumbing after its verdict is what is checked.
 */
describe(`moderation of generated results (stage 3) (${databaseLabel})`, () => {
  /** Default policy; runs first and leaves a succeeded job behind in the shared data directory. */
  let lenient: RunningGateway;
  /** Same data directory and database, with a threshold that withholds every result. */
  let strict: RunningGateway;
  let keptLink: string;
  const sharedPrompt = 'a lighthouse on a cliff at dawn, 1:1';

  beforeAll(async () => {
    lenient = await startGateway();
    const completion = await lenient.client.chat.completions.create({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: sharedPrompt }],
    });
    keptLink = firstLink(completion.choices[0].message.content!);
    // Stopped, not removed: the strict gateway takes over its data directory and database.
    await lenient.gateway.close();
    strict = await startGateway({
      MEDIAGATE_DATA_DIR: lenient.dataDir,
      ...(lenient.env.DATABASE_URL && {
        DATABASE_URL: lenient.env.DATABASE_URL,
        DATABASE_SCHEMA: lenient.env.DATABASE_SCHEMA,
      }),
      MEDIAGATE_MODERATION_OUTPUT_THRESHOLDS: 'neutral=0',
    });
  });
  afterAll(async () => {
    await strict?.close();
    if (lenient) await rm(lenient.dataDir, { recursive: true, force: true });
  });

  const post = (body: unknown) =>
    fetch(`${strict.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify(body),
    });

  async function jobRow(id: string): Promise<JobRecord> {
    const database = await openDatabase({
      url: strict.env.DATABASE_URL,
      dataDir: strict.env.MEDIAGATE_DATA_DIR,
      schema: strict.env.DATABASE_SCHEMA,
    });
    try {
      const job = await new SqlJobStore(database.db).get(id);
      if (!job) throw new Error(`no job ${id}`);
      return job;
    } finally {
      await database.close();
    }
  }

  it('under the default thresholds a sandbox image passes review', async () => {
    const png = await sharp(await download(keptLink.replace(/^http:\/\/[^/]+/, strict.baseUrl))).metadata();
    expect(png.format).toBe('png');
    expect(png.width).toBe(png.height);
  });

  it('non-streaming: 400 content_policy_violation with param "output"; the result is deleted and the row records the scores', async () => {
    const mediaDir = join(strict.env.MEDIAGATE_DATA_DIR, 'media');
    const cacheDir = join(strict.env.MEDIAGATE_DATA_DIR, 'sandbox', 'cache');
    const mediaBefore = await filesUnder(mediaDir);
    const rendersBefore = await filesUnder(cacheDir);
    const res = await post({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'a red bicycle leaning on a wall' }],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: WITHHELD('image'),
        type: 'invalid_request_error',
        param: 'output',
        code: 'content_policy_violation',
      },
    });
    // The sandbox did render it (its cache holds one more file), but storage holds nothing new.
    expect((await filesUnder(cacheDir)).length).toBe(rendersBefore.length + 1);
    expect(await filesUnder(mediaDir)).toEqual(mediaBefore);
    const job = await jobRow(res.headers.get('x-mediagate-job-id')!);
    expect(job.status).toBe('failed');
    expect(job.results).toEqual([]);
    expect(job.error).toMatchObject({
      code: 'content_policy_violation',
      stage: 'output',
      category: 'neutral',
      message: WITHHELD('image'),
    });
    expect(Object.keys(job.error!.scores!).sort()).toEqual(['drawing', 'hentai', 'neutral', 'porn', 'sexy']);
    const sum = Object.values(job.error!.scores!).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 2);
  });

  it('streaming video: progress passes 90 %, then the stream ends with the block and finish_reason content_filter', async () => {
    const mediaDir = join(strict.env.MEDIAGATE_DATA_DIR, 'media');
    const stream = await strict.client.chat.completions.create({
      model: 'sora-2',
      stream: true,
      messages: [{ role: 'user', content: 'waves rolling onto a beach, 2 seconds' }],
    });
    const contents: string[] = [];
    let finish: string | null = null;
    let jobId = '';
    // After the finish chunk the stream carries the 400 the request would get unstreamed; the client raises it.
    const raised = await (async () => {
      for await (const chunk of stream) {
        jobId = chunk.id.replace(/^chatcmpl-/, '');
        const choice = chunk.choices[0];
        if (choice?.delta?.content) contents.push(choice.delta.content);
        if (choice?.finish_reason) finish = choice.finish_reason;
      }
    })().catch((e) => e);
    expect(raised.code).toBe('content_policy_violation');
    const progress = contents
      .map((c) => /Progress (\d+)%/.exec(c)?.[1])
      .filter(Boolean)
      .map(Number);
    expect(Math.max(...progress)).toBeGreaterThanOrEqual(90);
    expect(contents[contents.length - 1]).toBe(`🚫 Blocked by content review: ${WITHHELD('video')}`);
    expect(finish).toBe('content_filter');
    const job = await jobRow(jobId);
    expect(job.error).toMatchObject({ stage: 'output', category: 'neutral', scores: { frames: 4 } });
    expect((await filesUnder(mediaDir)).filter((f) => f.endsWith('.mp4'))).toEqual([]);
  });

  it('a withheld result whose bytes an earlier succeeded job also holds is not deleted', async () => {
    // The sandbox renders the same prompt to the same bytes, so this job's result is the earlier job's file.
    const res = await post({ model: 'gpt-image-1', messages: [{ role: 'user', content: sharedPrompt }] });
    expect(res.status).toBe(400);
    expect((await res.json()).error.param).toBe('output');
    const png = await sharp(await download(keptLink.replace(/^http:\/\/[^/]+/, strict.baseUrl))).metadata();
    expect(png.format).toBe('png');
  });
});
