import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, type Gateway } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { FakeKling } from './fakes/kling.js';
import { FakeOpenAiVideos } from './fakes/openai-videos.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from './helpers/adapter-env.js';
import { channelsConfig, FAST_RETRY_ENV } from './helpers/channels.js';
import { jobOf } from './helpers/chat.js';
import { pngDataUrl } from './helpers/images.js';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { mp4Info } from './helpers/media.js';

const SORA_CREATE = /^\/v1\/videos$/;
const KLING_CREATE = /^\/v1\/videos\/text2video$/;
const KLING_BY_REFERENCE = /^\/v1\/videos\/text2video\/mediagate-job_[0-9a-z]+$/;

const soraChannel = (fake: FakeOpenAiVideos, extra: Record<string, unknown> = {}) => ({
  name: 'sora',
  type: 'openai-videos',
  baseUrl: `${fake.url}/v1`,
  keys: ['sk-fake-videos'],
  models: ['sora-2'],
  ...extra,
});
const resellerChannel = (fake: FakeOpenAiVideos) => ({
  name: 'reseller',
  type: 'openai-videos',
  baseUrl: `${fake.url}/v1`,
  keys: ['sk-fake-reseller'],
  models: { 'doubao-seedance-1-0-pro': 'seedance-1-0-pro' },
  options: {
    requestFormat: 'json',
    durationField: 'duration',
    secondsType: 'number',
    sizeStyle: 'ratio',
    allowedSeconds: [5, 10],
    label: 'Reseller',
  },
});

/** Sends a chat request and returns the completion, or the client's error when the job failed. */
async function chatJob(gw: RunningGateway, model: string, content: string) {
  return gw.client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).catch((err) => err);
}

describe(`a submission whose answer was lost is looked for upstream before the job fails (${databaseLabel})`, () => {
  const sora = new FakeOpenAiVideos({ keys: ['sk-fake-videos'], durationMs: 600 });
  const reseller = new FakeOpenAiVideos({ keys: ['sk-fake-reseller'], style: 'reseller', durationMs: 600 });
  const kling = new FakeKling({ 'ak-fake': 'sk-fake' });
  let gw: RunningGateway;

  beforeAll(async () => {
    kling.taskMs = 600;
    await Promise.all([sora.start(), reseller.start(), kling.start()]);
    const yaml = await channelsConfig([
      // A short timeout, so a create that never answers is given up on quickly.
      soraChannel(sora, { timeoutMs: 1_500 }),
      // The same account under another public name, with the default timeout: a list the test holds back is waited for.
      soraChannel(sora, { name: 'sora-patient', models: { sora_video2: 'sora-2' } }),
      resellerChannel(reseller),
      { name: 'kling', type: 'kling', baseUrl: kling.url, keys: ['ak-fake:sk-fake'], models: ['kling-v2-1'] },
    ]);
    gw = await startGateway({ ...yaml, ...QUICK_POLL_ENV, ...NO_REVIEW_ENV, ...FAST_RETRY_ENV });
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([sora.close(), reseller.close(), kling.close()]);
  });

  const counts = (fake: FakeOpenAiVideos | FakeKling, create: RegExp, lookup: RegExp) => ({
    creates: fake.count('POST', create),
    lookups: fake.count('GET', lookup),
    accepted: fake.accepted,
  });
  const since = (before: ReturnType<typeof counts>, now: ReturnType<typeof counts>) => ({
    creates: now.creates - before.creates,
    lookups: now.lookups - before.lookups,
    accepted: now.accepted - before.accepted,
  });

  it('OpenAI videos: a create cut off after the task was made is found in the task list and completes, one task in all', async () => {
    const before = counts(sora, SORA_CREATE, SORA_CREATE);
    sora.injectFaults('POST', SORA_CREATE, [{ afterAccept: 'cutOff' }]);
    const answer = await chatJob(gw, 'sora-2', 'a lighthouse in fog, duration: 4 seconds');
    expect(answer.choices?.[0].finish_reason).toBe('stop');
    const video = mp4Info(await download(firstLink(answer.choices[0].message.content)));
    expect(Math.abs(video.durationSeconds - 4)).toBeLessThanOrEqual(0.1);
    expect(since(before, counts(sora, SORA_CREATE, SORA_CREATE))).toEqual({ creates: 1, lookups: 1, accepted: 1 });
    const list = sora.matching('GET', SORA_CREATE).at(-1)!;
    expect(Object.fromEntries(list.query)).toEqual({ order: 'desc', limit: '100' });
    const job = await jobOf(gw, answer.id);
    expect(job).toMatchObject({ status: 'succeeded', upstream: { channel: 'sora', submit_attempts: 1 } });
    // The job polls the task the first create made.
    const task = [...sora.tasks.values()].at(-1)!;
    expect(sora.count('GET', new RegExp(`^/v1/videos/${task.id}$`))).toBeGreaterThanOrEqual(1);
  });

  it('OpenAI videos: a create that never answers (timeout) is found too, after a list call that failed once', async () => {
    const before = counts(sora, SORA_CREATE, SORA_CREATE);
    sora.injectFaults('POST', SORA_CREATE, [{ afterAccept: 'hang' }]);
    sora.injectFaults('GET', SORA_CREATE, [
      {
        status: 500,
        body: { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } },
      },
    ]);
    const answer = await chatJob(gw, 'sora-2', 'a kite above dunes, duration: 4 seconds');
    expect(answer.choices?.[0].finish_reason).toBe('stop');
    expect(since(before, counts(sora, SORA_CREATE, SORA_CREATE))).toEqual({ creates: 1, lookups: 2, accepted: 1 });
    expect((await jobOf(gw, answer.id)).status).toBe('succeeded');
  });

  it('OpenAI videos: when the list keeps failing the lookups stop after seven tries and the job fails saying the gateway could not check', async () => {
    const before = counts(sora, SORA_CREATE, SORA_CREATE);
    const serverError = {
      status: 503,
      body: { error: { message: 'The engine is currently overloaded', type: 'server_error', param: null, code: null } },
    };
    sora.injectFaults('POST', SORA_CREATE, [{ afterAccept: 'cutOff' }]);
    sora.injectFaults(
      'GET',
      SORA_CREATE,
      Array.from({ length: 7 }, () => serverError),
    );
    const err = await chatJob(gw, 'sora-2', 'a harbour at dawn, duration: 4 seconds');
    expect(err.status).toBe(502);
    expect(err.error.message).toBe(
      "OpenAI Videos's answer (HTTP 200) broke off before it was complete. It may have accepted the work, so the request was not repeated. The gateway could not check with OpenAI Videos whether the task exists (OpenAI Videos: The engine is currently overloaded).",
    );
    expect(since(before, counts(sora, SORA_CREATE, SORA_CREATE))).toEqual({ creates: 1, lookups: 7, accepted: 1 });
  });

  it('OpenAI videos: a job cancelled while the gateway is still looking stops looking', async () => {
    const auth = { authorization: `Bearer ${TEST_API_KEY}` };
    const serverError = {
      status: 503,
      body: { error: { message: 'The engine is currently overloaded', type: 'server_error', param: null, code: null } },
    };
    const before = counts(sora, SORA_CREATE, SORA_CREATE);
    sora.injectFaults('POST', SORA_CREATE, [{ afterAccept: 'cutOff' }]);
    sora.injectFaults(
      'GET',
      SORA_CREATE,
      Array.from({ length: 7 }, () => serverError),
    );
    const created = await fetch(`${gw.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sora-2', prompt: 'a lantern on a lake', seconds: '4', size: '1280x720' }),
    });
    const jobId = ((await created.json()) as { id: string }).id.replace(/^video_/, 'job_');
    while (sora.count('GET', SORA_CREATE) - before.lookups < 2) await new Promise((r) => setTimeout(r, 5));
    const cancelled = await fetch(`${gw.baseUrl}/v1/jobs/${jobId}/cancel`, { method: 'POST', headers: auth });
    expect(await cancelled.json()).toMatchObject({ id: jobId, status: 'cancelled' });
    const lookupsAtCancel = sora.count('GET', SORA_CREATE) - before.lookups;
    // Longer than the remaining lookups would have taken (waits of 20 ms × 4, 8, 16 and 32).
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sora.count('GET', SORA_CREATE) - before.lookups).toBe(lookupsAtCancel);
    expect(since(before, counts(sora, SORA_CREATE, SORA_CREATE))).toMatchObject({ creates: 1, accepted: 1 });
    expect((await jobOf(gw, jobId)).status).toBe('cancelled');
    // The faults the cancelled lookups did not use are not left for the next test.
    while (
      (await fetch(`${sora.url}/v1/videos?limit=1`, { headers: { authorization: 'Bearer sk-fake-videos' } })).status !==
      200
    );
  });

  it('OpenAI videos: when the list has no such task the job fails as before, saying the gateway looked', async () => {
    const before = counts(sora, SORA_CREATE, SORA_CREATE);
    // Cut off before the upstream made anything.
    sora.injectFaults('POST', SORA_CREATE, [{ cutOff: true }]);
    const err = await chatJob(gw, 'sora-2', 'a red balloon, duration: 4 seconds');
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message:
        "OpenAI Videos's answer (HTTP 200) broke off before it was complete. It may have accepted the work, so the request was not repeated. The gateway asked OpenAI Videos and it has no task from this submission.",
      type: 'upstream_error',
      param: null,
      code: 'upstream_bad_response',
    });
    expect(since(before, counts(sora, SORA_CREATE, SORA_CREATE))).toEqual({ creates: 1, lookups: 1, accepted: 0 });
  });

  it('OpenAI videos: a matching task that another job holds is not taken; the job fails saying none is its own', async () => {
    const prompt = 'a fox in the snow, duration: 4 seconds';
    const other = await chatJob(gw, 'sora-2', prompt);
    expect(other.choices?.[0].finish_reason).toBe('stop');
    const before = counts(sora, SORA_CREATE, SORA_CREATE);
    sora.injectFaults('POST', SORA_CREATE, [{ cutOff: true }]);
    const err = await chatJob(gw, 'sora-2', prompt);
    expect(err.status).toBe(502);
    expect(err.error.message).toBe(
      "OpenAI Videos's answer (HTTP 200) broke off before it was complete. It may have accepted the work, so the request was not repeated. The gateway asked OpenAI Videos and it has no task from this submission.",
    );
    expect(since(before, counts(sora, SORA_CREATE, SORA_CREATE))).toEqual({ creates: 1, lookups: 1, accepted: 0 });
  });

  it('OpenAI videos: two identical requests whose answers were both lost are not guessed between', async () => {
    const before = counts(sora, SORA_CREATE, SORA_CREATE);
    sora.injectFaults('POST', SORA_CREATE, [{ afterAccept: 'cutOff' }, { afterAccept: 'cutOff' }]);
    // Neither lookup is answered before both tasks exist.
    const bothCreated = (async () => {
      while (sora.accepted - before.accepted < 2) await new Promise((r) => setTimeout(r, 5));
    })();
    sora.injectFaults('GET', SORA_CREATE, [{ heldUntil: bothCreated }, { heldUntil: bothCreated }]);
    const errs = await Promise.all([
      chatJob(gw, 'sora-2', 'twin comets, duration: 4 seconds'),
      chatJob(gw, 'sora-2', 'twin comets, duration: 4 seconds'),
    ]);
    for (const err of errs) {
      expect(err.status).toBe(502);
      expect(err.error.message).toMatch(
        /The gateway found 2 tasks at OpenAI Videos that match this submission and could not tell which one is this job's\.$/,
      );
    }
    expect(since(before, counts(sora, SORA_CREATE, SORA_CREATE))).toEqual({ creates: 2, lookups: 2, accepted: 2 });
  });

  it('OpenAI videos: the task list is read page by page until it reaches back past the submission', async () => {
    const createOthers = (n: number, label: string) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          fetch(`${sora.url}/v1/videos`, {
            method: 'POST',
            headers: { authorization: 'Bearer sk-fake-videos', 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'sora-2', prompt: `${label} ${i}`, seconds: '4', size: '1280x720' }),
          }),
        ),
      );
    // An hour of history: older than the submission by more than any clock skew.
    await createOthers(100, 'an old video');
    for (const task of sora.tasks.values()) task.createdAt -= 3_600_000;
    sora.injectFaults('POST', SORA_CREATE, [{ afterAccept: 'cutOff' }]);
    // The list is answered only once the other tasks below exist.
    let othersCreated!: () => void;
    sora.injectFaults('GET', SORA_CREATE, [{ heldUntil: new Promise<void>((resolve) => (othersCreated = resolve)) }]);
    const before = counts(sora, SORA_CREATE, SORA_CREATE);
    const answer = chatJob(gw, 'sora_video2', 'a clock tower at dusk, duration: 4 seconds');
    // 150 other tasks created on the account meanwhile: the lost one is on the second page, which
    // also reaches back past the submission.
    // Waits for the task itself, not the request's arrival: the fake creates it once the form is read.
    while (![...sora.tasks.values()].some((task) => task.prompt === 'a clock tower at dusk')) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await createOthers(150, "someone else's video");
    othersCreated();
    const done = await answer;
    expect(done.choices?.[0].finish_reason).toBe('stop');
    const lists = sora.matching('GET', SORA_CREATE).slice(-2);
    expect(lists.map((r) => Object.fromEntries(r.query))).toEqual([
      { order: 'desc', limit: '100' },
      { order: 'desc', limit: '100', after: expect.stringMatching(/^video_/) },
    ]);
    // The second page ends among the old tasks: the third is never asked for.
    expect(sora.tasks.size).toBeGreaterThan(250);
    // The lost create and the 150 others; two pages of lookups.
    expect(since(before, counts(sora, SORA_CREATE, SORA_CREATE))).toMatchObject({
      creates: 151,
      lookups: 2,
      accepted: 151,
    });
  });

  it('an upstream without a task list: the job fails at once, saying the gateway could not check, and nothing is resubmitted', async () => {
    const before = counts(reseller, SORA_CREATE, SORA_CREATE);
    reseller.injectFaults('POST', SORA_CREATE, [{ afterAccept: 'cutOff' }]);
    const err = await chatJob(gw, 'doubao-seedance-1-0-pro', 'a tram at night');
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message:
        "Reseller's answer (HTTP 200) broke off before it was complete. It may have accepted the work, so the request was not repeated. The gateway could not check with Reseller whether the task exists (Reseller has no task list to look in).",
      type: 'upstream_error',
      param: null,
      code: 'upstream_bad_response',
    });
    // The 404 of the missing list is final: one lookup, not a minute of them.
    expect(since(before, counts(reseller, SORA_CREATE, SORA_CREATE))).toEqual({ creates: 1, lookups: 1, accepted: 1 });
  });

  it('Kling: a create cut off after the task was made is found by its external_task_id and completes, one task in all', async () => {
    const before = counts(kling, KLING_CREATE, KLING_BY_REFERENCE);
    kling.injectFaults('POST', KLING_CREATE, [{ afterAccept: 'cutOff' }]);
    const answer = await chatJob(gw, 'kling-v2-1', 'a paper crane takes flight');
    expect(answer.choices?.[0].finish_reason).toBe('stop');
    const video = mp4Info(await download(firstLink(answer.choices[0].message.content)));
    expect(video.durationSeconds).toBeCloseTo(5, 1);
    expect(since(before, counts(kling, KLING_CREATE, KLING_BY_REFERENCE))).toEqual({
      creates: 1,
      lookups: 1,
      accepted: 1,
    });
    const task = [...kling.tasks.values()].at(-1)!;
    const jobId = answer.id.replace(/^chatcmpl-/, '');
    expect(task.externalTaskId).toBe(`mediagate-${jobId}`);
    expect(kling.matching('GET', KLING_BY_REFERENCE).at(-1)!.path).toBe(`/v1/videos/text2video/mediagate-${jobId}`);
    // Polled by the task id the lookup returned.
    expect(kling.count('GET', new RegExp(`^/v1/videos/text2video/${task.id}$`))).toBeGreaterThanOrEqual(1);
  });

  it('Kling: an image-to-video create is looked up on the image2video path', async () => {
    const creates = kling.count('POST', /^\/v1\/videos\/image2video$/);
    kling.injectFaults('POST', /^\/v1\/videos\/image2video$/, [{ afterAccept: 'cutOff' }]);
    const answer = await gw.client.chat.completions
      .create({
        model: 'kling-v2-1',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'the petals fall' },
              { type: 'image_url', image_url: { url: await pngDataUrl(320, 320, '#aa2266') } },
            ],
          },
        ],
      })
      .catch((err) => err);
    expect(answer.choices?.[0].finish_reason).toBe('stop');
    const jobId = answer.id.replace(/^chatcmpl-/, '');
    expect(kling.count('POST', /^\/v1\/videos\/image2video$/) - creates).toBe(1);
    expect(kling.count('GET', new RegExp(`^/v1/videos/image2video/mediagate-${jobId}$`))).toBe(1);
    expect([...kling.tasks.values()].filter((t) => t.externalTaskId === `mediagate-${jobId}`)).toHaveLength(1);
  });

  it('Kling: when no task has the external_task_id the job fails as before, saying the gateway looked', async () => {
    const before = counts(kling, KLING_CREATE, KLING_BY_REFERENCE);
    kling.injectFaults('POST', KLING_CREATE, [{ cutOff: true }]);
    const err = await chatJob(gw, 'kling-v2-1', 'a snail on a leaf');
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message:
        "Kling's answer (HTTP 200) broke off before it was complete. It may have accepted the work, so the request was not repeated. The gateway asked Kling and it has no task from this submission.",
      type: 'upstream_error',
      param: null,
      code: 'upstream_bad_response',
    });
    expect(since(before, counts(kling, KLING_CREATE, KLING_BY_REFERENCE))).toEqual({
      creates: 1,
      lookups: 1,
      accepted: 0,
    });
  });
});

describe(`a job whose gateway stopped between submitting and recording the answer (${databaseLabel})`, () => {
  const sora = new FakeOpenAiVideos({ keys: ['sk-fake-videos'], durationMs: 600 });
  const reseller = new FakeOpenAiVideos({ keys: ['sk-fake-reseller'], style: 'reseller', durationMs: 600 });
  let first: RunningGateway | undefined;
  let second: Gateway | undefined;

  beforeAll(async () => {
    await Promise.all([sora.start(), reseller.start()]);
  });
  afterEach(async () => {
    await second?.close();
    second = undefined;
    // The first gateway was closed by the test; only its data is left to remove.
    if (first) await rm(first.dataDir, { recursive: true, force: true });
    first = undefined;
  });
  afterAll(async () => {
    await Promise.all([sora.close(), reseller.close()]);
  });

  /**
   * Starts a video job on a gateway whose create never answers, stops that gateway once the upstream
   * has made the task (the job is left with `submitted_at` and no operation), then starts a second
   * gateway on the same data and returns the job as it ends there.
   */
  async function interruptAndResume(fake: FakeOpenAiVideos, channel: Record<string, unknown>, model: string) {
    first = await startGateway({
      ...(await channelsConfig([channel])),
      ...QUICK_POLL_ENV,
      ...NO_REVIEW_ENV,
      ...FAST_RETRY_ENV,
      MEDIAGATE_ORPHAN_SCAN_INTERVAL_MS: '200',
    });
    const accepted = fake.accepted;
    fake.injectFaults('POST', SORA_CREATE, [{ afterAccept: 'hang' }]);
    const res = await fetch(`${first.baseUrl}/v1/videos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        prompt: 'a windmill turning slowly',
        seconds: model === 'sora-2' ? '4' : '5',
        size: '1280x720',
      }),
    });
    expect(res.status).toBe(200);
    const jobId = ((await res.json()) as { id: string }).id.replace(/^video_/, 'job_');
    while (fake.accepted === accepted) await new Promise((r) => setTimeout(r, 20));
    await first.gateway.close();

    second = await buildGateway(loadConfig(first.env));
    const port = await second.listen();
    const deadline = Date.now() + 20_000;
    let job: { status: string; error?: unknown; results?: { url: string }[] } = { status: 'running' };
    while (Date.now() < deadline && (job.status === 'running' || job.status === 'queued')) {
      await new Promise((r) => setTimeout(r, 100));
      job = await (
        await fetch(`http://127.0.0.1:${port}/v1/jobs/${jobId}`, {
          headers: { authorization: `Bearer ${TEST_API_KEY}` },
        })
      ).json();
    }
    return { job, jobId };
  }

  it('is found upstream by the next process and completes, submitted once', async () => {
    const creates = sora.count('POST', SORA_CREATE);
    const accepted = sora.accepted;
    const { job } = await interruptAndResume(sora, soraChannel(sora), 'sora-2');
    expect(job.status).toBe('succeeded');
    expect(sora.count('POST', SORA_CREATE) - creates).toBe(1);
    expect(sora.accepted - accepted).toBe(1);
    const video = mp4Info(await download(job.results![0].url));
    expect(Math.abs(video.durationSeconds - 4)).toBeLessThanOrEqual(0.1);
  });

  it('on an upstream that cannot be asked, fails with interrupted_submission saying the gateway could not check', async () => {
    const creates = reseller.count('POST', SORA_CREATE);
    const { job } = await interruptAndResume(reseller, resellerChannel(reseller), 'doubao-seedance-1-0-pro');
    expect(job.status).toBe('failed');
    expect(job.error).toEqual({
      code: 'interrupted_submission',
      stage: null,
      category: null,
      message:
        'The gateway restarted while submitting this job, so it was not resubmitted to avoid a duplicate charge. Please retry. The gateway could not check with Reseller whether the task exists (Reseller has no task list to look in).',
    });
    expect(reseller.count('POST', SORA_CREATE) - creates).toBe(1);
  });
});
