import { toFile } from 'openai';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRequest } from '../src/intent/types.js';
import { fitRequest } from '../src/providers/fit-request.js';
import { PROTOCOLS } from '../src/providers/protocols.js';
import { FakeOpenAiImages } from './fakes/openai-images.js';
import { jobOf } from './helpers/chat.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

/** Issue 11, "Silent changes": each value the gateway changes is stated in the answer of every endpoint. */
describe(`Nothing changes silently (${databaseLabel})`, { timeout: 60_000 }, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '50', MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '200' });
  });
  afterAll(async () => gw?.close());

  const cancel = (jobId: string) =>
    fetch(`${gw.baseUrl}/v1/jobs/${jobId}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });

  it('Images API: flux-kontext-pro with n: 3 makes one image and says so in `adjustments`', async () => {
    const result = await gw.client.images.generate({
      model: 'flux-kontext-pro',
      prompt: 'a paper boat',
      n: 3,
      response_format: 'url',
    });
    expect(result.data).toHaveLength(1);
    expect((result as unknown as { adjustments: string[] }).adjustments).toEqual([
      'flux-kontext-pro makes at most 1 image per request; making 1.',
    ]);
  });

  it('Images API: nothing changed is an empty `adjustments`; a snapped size is stated in the prompt’s language', async () => {
    const plain = await gw.client.images.generate({ model: 'dall-e-3', prompt: 'a lamp', response_format: 'url' });
    expect((plain as unknown as { adjustments: string[] }).adjustments).toEqual([]);
    const snapped = await gw.client.images.generate({
      model: 'dall-e-3',
      prompt: '一盏灯',
      size: '1600x900' as never,
      response_format: 'url',
    });
    expect((snapped as unknown as { adjustments: string[] }).adjustments).toEqual([
      'dall-e-3 不提供 1600x900 尺寸，已改用 1792x1024。',
    ]);
  });

  it('chat: n: 2 on sora-2 makes one video and the content says so', async () => {
    const completion = await gw.client.chat.completions.create({
      model: 'sora-2',
      n: 2,
      messages: [{ role: 'user', content: 'a kite over a beach, duration: 1 seconds' }],
    });
    const content = completion.choices[0].message.content!;
    expect(content).toContain('> ℹ️ sora-2 makes at most 1 video per request; making 1.\n\n');
    const job = await jobOf(gw, completion.id.replace(/^chatcmpl-/, ''));
    expect(job).toMatchObject({ n: 1, adjustments: ['sora-2 makes at most 1 video per request; making 1.'] });
  });

  it('Videos API: seconds "20" is clamped to 15 and the video object says so', async () => {
    const created = await gw.client.videos.create({ model: 'sora-2', prompt: 'a slow river', seconds: '20' as never });
    const video = created as unknown as { id: string; seconds: string; adjustments: string[] };
    expect(video.seconds).toBe('15');
    expect(video.adjustments).toEqual(['sora-2 supports up to 15 seconds; using 15.']);
    const retrieved = await gw.client.videos.retrieve(created.id);
    expect((retrieved as unknown as { adjustments: string[] }).adjustments).toEqual([
      'sora-2 supports up to 15 seconds; using 15.',
    ]);
    // A 15 s render is not what this test is about.
    await cancel(created.id.replace(/^video_/, 'job_'));
  });

  it('Videos API: a video with nothing changed has an empty `adjustments`', async () => {
    const created = await gw.client.videos.create({ model: 'sora-2', prompt: 'a leaf', seconds: '1' as never });
    expect((created as unknown as { adjustments: string[] }).adjustments).toEqual([]);
    await cancel(created.id.replace(/^video_/, 'job_'));
  });
});

/** Audited: values an upstream has no field for, or a field the gateway used to drop on the way. */
describe(`Fields an upstream has no room for (${databaseLabel})`, { timeout: 60_000 }, () => {
  const fake = new FakeOpenAiImages(['sk-fake-openai']);
  let gw: RunningGateway;
  beforeAll(async () => {
    await fake.start();
    gw = await startGateway({ OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1` });
  });
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('gpt-image-1: a seed (no such field upstream) is stated as ignored; `background` reaches the upstream', async () => {
    const before = fake.requests.length;
    const result = await gw.client.images.generate({
      model: 'gpt-image-1',
      prompt: 'a glass bottle',
      background: 'transparent',
      seed: 7,
    } as never);
    const sent = fake.requests.slice(before).find((r) => r.path === '/v1/images/generations')!;
    expect(sent.json).toEqual({
      model: 'gpt-image-1',
      prompt: 'a glass bottle',
      n: 1,
      size: '1024x1024',
      background: 'transparent',
      output_format: 'png',
    });
    expect((result as unknown as { adjustments: string[] }).adjustments).toEqual([
      'gpt-image-1 takes no seed; it was ignored.',
    ]);
  });

  it('gpt-image-1 edits: the mask reaches the upstream (it used to stay behind)', async () => {
    const before = fake.requests.length;
    const image = await sharp({ create: { width: 64, height: 64, channels: 4, background: '#3366cc' } })
      .png()
      .toBuffer();
    const result = await gw.client.images.edit({
      model: 'gpt-image-1',
      prompt: 'add a moon',
      image: await toFile(image, 'sky.png', { type: 'image/png' }),
      mask: await toFile(image, 'mask.png', { type: 'image/png' }),
      size: '1024x1024',
    });
    const sent = fake.requests.slice(before).find((r) => r.path === '/v1/images/edits')!;
    const mask = sent.form!.get('mask') as File;
    expect(mask.type).toBe('image/png');
    expect(Buffer.from(await mask.arrayBuffer()).equals(image)).toBe(true);
    expect((result as unknown as { adjustments: string[] }).adjustments).toEqual([]);
  });

  it('chat on gpt-image-1: the seed line is in the content too', async () => {
    const completion = await gw.client.chat.completions.create({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: '画一只猫 --seed 42' }],
    });
    expect(completion.choices[0].message.content).toContain('> ℹ️ gpt-image-1 不支持种子参数，已忽略。\n\n');
  });
});

describe('Every adapter states each value it drops or snaps', () => {
  const request = (over: Partial<GenerationRequest>): GenerationRequest => ({
    model: 'sora-2',
    kind: 'video',
    prompt: 'a lake',
    references: [],
    aspectRatio: '16:9',
    width: 1280,
    height: 720,
    seconds: 10,
    n: 1,
    format: 'mp4',
    language: 'en',
    adjustments: [],
    ...over,
  });
  const fitFor = (type: string, req: GenerationRequest, upstreamModel: string) =>
    fitRequest(PROTOCOLS[type].create({}), req, upstreamModel);

  it('Kling: seed and quality have no field; each is left out and stated', () => {
    const out = fitFor('kling', request({ seed: 3, quality: 'high' }), 'kling-v2-1');
    expect(out).not.toHaveProperty('seed');
    expect(out).not.toHaveProperty('quality');
    expect(out.adjustments).toEqual([
      { kind: 'field_ignored', model: 'kling-v2-1', field: 'seed' },
      { kind: 'field_ignored', model: 'kling-v2-1', field: 'quality' },
    ]);
  });

  it('OpenAI Videos: seconds snapped and a resolution left out, each stated', () => {
    const out = fitFor('openai-videos', request({ resolution: '1080p' }), 'sora-2');
    expect(out).toMatchObject({ seconds: 8 });
    expect(out).not.toHaveProperty('resolution');
    expect(out.adjustments).toEqual([
      { kind: 'duration_snapped', model: 'sora-2', asked: 10, used: 8 },
      { kind: 'field_ignored', model: 'sora-2', field: 'resolution' },
    ]);
  });

  const square = { key: 'ab/square.png', contentType: 'image/png', width: 320, height: 320, bytes: 100 };

  it('Kling image-to-video follows the image: a square reference makes a 1:1 video, stated', () => {
    const out = fitFor('kling', request({ references: [square] }), 'kling-v2-1');
    expect(out).toMatchObject({ aspectRatio: '1:1', width: 720, height: 720 });
    expect(out.adjustments).toEqual([
      { kind: 'ratio_from_reference', model: 'kling-v2-1', asked: '16:9', used: '1:1' },
    ]);
  });

  it('OpenAI Videos: a square reference for a 16:9 video is cropped, stated', () => {
    const out = fitFor('openai-videos', request({ seconds: 8, references: [square] }), 'sora-2');
    expect(out.adjustments).toEqual([{ kind: 'reference_cropped', model: 'sora-2', used: '1280x720' }]);
  });

  it('OpenAI Videos: a negative prompt goes as an "Avoid:" line, stated', () => {
    const out = fitFor('openai-videos', request({ seconds: 8, negativePrompt: 'rain' }), 'sora-2');
    expect(out.negativePrompt).toBe('rain');
    expect(out.adjustments).toEqual([{ kind: 'negative_prompt_in_prompt', model: 'sora-2' }]);
  });

  it('Veo through Gemini: no seed (the API refuses it), stated', () => {
    const out = fitFor('gemini', request({ seed: 9, seconds: 8 }), 'veo-3.1-generate-preview');
    expect(out.adjustments).toEqual([{ kind: 'field_ignored', model: 'veo-3.1-generate-preview', field: 'seed' }]);
  });

  it('FLUX: a seed is read and kept; a background is stated as ignored', () => {
    const image = request({ kind: 'image', model: 'flux-dev', format: 'png', seed: 5, background: 'transparent' });
    const out = fitFor(
      'bfl',
      { ...image, width: 1024, height: 1024, aspectRatio: '1:1', seconds: undefined },
      'flux-dev',
    );
    expect(out.seed).toBe(5);
    expect(out.adjustments).toEqual([{ kind: 'field_ignored', model: 'flux-dev', field: 'background' }]);
  });

  it('DALL·E 3: quality low becomes standard, stated', () => {
    const image = request({ kind: 'image', model: 'dall-e-3', format: 'png', quality: 'low', seconds: undefined });
    const out = fitFor('openai-images', { ...image, width: 1024, height: 1024, aspectRatio: '1:1' }, 'dall-e-3');
    expect(out.quality).toBe('standard');
    expect(out.adjustments).toEqual([{ kind: 'quality_changed', model: 'dall-e-3', asked: 'low', used: 'standard' }]);
  });
});
