import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adjustmentLines } from '../../src/intent/adjustment-text.js';
import { FakeGemini, googleError } from '../fakes/gemini.js';
import { FAST_RETRY_ENV } from '../helpers/channels.js';
import { databaseLabel } from '../helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { QUICK_POLL_ENV } from '../helpers/adapter-env.js';
import { jobOf, streamChat } from '../helpers/chat.js';
import { pngDataUrl } from '../helpers/images.js';
import { imageInfo, mp4Info } from '../helpers/media.js';
import type { GenerationRequest } from '../../src/intent/types.js';
import { readGeminiOptions } from '../../src/providers/gemini/options.js';
import { syntheticProgress } from '../../src/providers/gemini/veo-operation.js';
import { adaptVeoRequest, predictLongRunningBody } from '../../src/providers/gemini/veo-request.js';

const KEY = 'AIza-fake-gemini';
const GENERATE = /^\/v1beta\/models\/[^/]+:generateContent$/;
const PREDICT = /^\/v1beta\/models\/[^/]+:predictLongRunning$/;
const OPERATION = /^\/v1beta\/models\/[^/]+\/operations\//;
const FILE = /^\/v1beta\/files\//;

const chatError = (gw: RunningGateway, model: string, content: string) =>
  gw.client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).catch((e) => e);

describe(`Google Gemini adapter (${databaseLabel})`, () => {
  const fake = new FakeGemini([KEY]);
  let gw: RunningGateway;

  beforeAll(async () => {
    fake.videoTaskMs = 900;
    await fake.start();
    gw = await startGateway({
      GEMINI_API_KEY: KEY,
      GEMINI_BASE_URL: `${fake.url}/v1beta`,
      ...QUICK_POLL_ENV,
      ...FAST_RETRY_ENV,
    });
  });
  afterEach(() => {
    fake.mode = 'ok';
    fake.videoShape = 'generatedSamples';
  });
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('nano-banana: prompt and reference as inline data, 16:9 in imageConfig, the key header, our own copy served', async () => {
    const before = fake.count('POST', GENERATE);
    const { data, response } = await gw.client.chat.completions
      .create({
        model: 'nano-banana',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'put this logo on a billboard 16:9 --no text' },
              { type: 'image_url', image_url: { url: await pngDataUrl(96, 64, '#ff0000') } },
            ],
          },
        ],
      })
      .withResponse();
    expect(response.headers.get('x-mediagate-channel')).toBe('gemini');
    const sent = fake.matching('POST', GENERATE).slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].path).toBe('/v1beta/models/gemini-2.5-flash-image:generateContent');
    expect(sent[0].headers['x-goog-api-key']).toBe(KEY);
    expect(sent[0].headers.authorization).toBeUndefined();
    const reference = sent[0].json.contents[0].parts[1].inline_data.data;
    expect(sent[0].json).toEqual({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'put this logo on a billboard\nAvoid: text' },
            { inline_data: { mime_type: 'image/png', data: reference } },
          ],
        },
      ],
      generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '16:9' } },
    });
    expect(await imageInfo(Buffer.from(reference, 'base64'))).toEqual({ format: 'png', width: 96, height: 64 });
    const content = data.choices[0].message.content!;
    expect(content).toMatch(
      /^> ℹ️ gemini-2\.5-flash-image takes no negative prompt; it was added to the prompt as "Avoid: …"\.\n\n!\[image\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png\)$/,
    );
    expect(await imageInfo(await download(firstLink(content)))).toEqual({ format: 'png', width: 1344, height: 768 });
  });

  it('nano-banana-hd: imageSize 2K, thought images skipped, n=2 made as two calls (each billed)', async () => {
    const before = fake.count('POST', GENERATE);
    const acceptedBefore = fake.acceptedImages;
    const data = await gw.client.chat.completions.create({
      model: 'nano-banana-hd',
      messages: [{ role: 'user', content: 'a lighthouse at night 3:4 --n 2 --seed 7' }],
    });
    const sent = fake.matching('POST', GENERATE).slice(before);
    expect(sent.map((r) => r.path)).toEqual(Array(2).fill('/v1beta/models/gemini-3-pro-image-preview:generateContent'));
    for (const call of sent) {
      expect(call.json.generationConfig).toEqual({
        responseModalities: ['IMAGE'],
        imageConfig: { aspectRatio: '3:4', imageSize: '2K' },
        seed: 7,
      });
      expect(call.json.contents[0].parts).toEqual([{ text: 'a lighthouse at night' }]);
    }
    expect(fake.acceptedImages - acceptedBefore).toBe(2);
    const links = [...data.choices[0].message.content!.matchAll(/\]\((http[^)]+)\)/g)].map((m) => m[1]);
    expect(links).toHaveLength(2);
    // The 64x64 "thought" draft comes first in the answer; the final 2K image is what is kept.
    for (const link of links)
      expect(await imageInfo(await download(link))).toEqual({ format: 'png', width: 1728, height: 2368 });
    // Both calls' usageMetadata (12 prompt + 1290 candidate tokens each), summed in OpenAI's shape.
    expect((await jobOf(gw, data.id)).upstream.usage).toEqual({
      input_tokens: 24,
      output_tokens: 2580,
      total_tokens: 2604,
      input_tokens_details: { text_tokens: 24, image_tokens: 0 },
    });
  });

  it('n=2 where one call is refused with 429: the image that was made is returned and the shortfall said, nothing is generated twice', async () => {
    fake.injectFaults('POST', GENERATE, [googleError(429, 'Resource has been exhausted (e.g. check quota).')]);
    const before = fake.count('POST', GENERATE);
    const accepted = fake.acceptedImages;
    const data = await gw.client.chat.completions.create({
      model: 'nano-banana',
      messages: [{ role: 'user', content: 'two pears --n 2' }],
    });
    expect(fake.count('POST', GENERATE) - before).toBe(2);
    expect(fake.acceptedImages - accepted).toBe(1);
    expect(data.choices[0].message.content).toMatch(
      /^> ℹ️ nano-banana made 1 of the 2 images asked for\.\n\n!\[image\]\(http[^)]+\.png\)$/,
    );
  });

  it('Images API, n=2 where one call is refused: the shortfall is in `adjustments`', async () => {
    fake.injectFaults('POST', GENERATE, [googleError(429, 'Resource has been exhausted (e.g. check quota).')]);
    const result = await gw.client.images.generate({
      model: 'nano-banana',
      prompt: 'two plums',
      n: 2,
      response_format: 'url',
    });
    expect(result.data).toHaveLength(1);
    expect((result as unknown as { adjustments: string[] }).adjustments).toEqual([
      'nano-banana made 1 of the 2 images asked for.',
    ]);
  });

  it('sora-2 via Veo: 5 s snapped to 4 s with one note, number durationSeconds, synthetic progress, MP4 fetched with the key through the redirect', async () => {
    const before = fake.count('POST', PREDICT);
    const { id, text, finish } = await streamChat(gw, {
      model: 'sora-2',
      messages: [
        { role: 'user', content: 'an astronaut golden retriever in a space station, duration: 5 seconds --ar 16:9' },
      ],
    });
    expect(finish).toBe('stop');
    expect(text.match(/ℹ️/g)).toHaveLength(1);
    expect(text).toContain('> ℹ️ veo-3.1-fast-generate-preview cannot make 5 s videos; using 4 s.');
    expect(text).toContain('> 🎬 Generating a 4 s 16:9 video (1280x720) with sora-2');
    const submitted = fake.matching('POST', PREDICT).slice(before);
    expect(submitted).toHaveLength(1);
    expect(submitted[0].path).toBe('/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning');
    expect(submitted[0].headers['x-goog-api-key']).toBe(KEY);
    expect(submitted[0].json).toEqual({
      instances: [{ prompt: 'an astronaut golden retriever in a space station' }],
      parameters: { aspectRatio: '16:9', durationSeconds: 4 },
    });
    // Veo reports no progress; the gateway's is synthetic, starting at 5 % and capped below 90 %.
    const progress = [...text.matchAll(/Progress (\d+)%/g)].map((m) => Number(m[1]));
    expect(progress.filter((p) => p < 90).length).toBeGreaterThan(0);
    expect(progress[0]).toBeGreaterThanOrEqual(5);
    const polls = fake.matching('GET', OPERATION).filter((r) => r.headers['x-goog-api-key'] === KEY);
    expect(polls.length).toBeGreaterThan(0);
    const fileCall = fake.matching('GET', FILE).at(-1)!;
    expect(fileCall.headers['x-goog-api-key']).toBe(KEY);
    expect(fileCall.query.get('alt')).toBe('media');
    const video = mp4Info(await download(firstLink(text.slice(text.indexOf('✅')))));
    expect(video.durationSeconds).toBeCloseTo(4, 1);
    expect(video.codec).toBe('avc1');
    const job = await jobOf(gw, id);
    expect(job).toMatchObject({
      status: 'succeeded',
      seconds: 4,
      adjustments: ['veo-3.1-fast-generate-preview cannot make 5 s videos; using 4 s.'],
    });
    expect(job.results[0]).toMatchObject({ content_type: 'video/mp4', seconds: 4 });
  });

  it('veo-3.1 image-to-video: reference as bytesBase64Encoded, 9:16, negative prompt, 1080p forces 8 s; the SDK-renamed generatedVideos is read', async () => {
    fake.videoShape = 'generatedVideos';
    const before = fake.count('POST', PREDICT);
    const data = await gw.client.chat.completions.create({
      model: 'veo-3.1',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'the girl starts dancing 竖屏 resolution: 1080p duration: 6 seconds --no blur' },
            { type: 'image_url', image_url: { url: await pngDataUrl(72, 128, '#3366cc') } },
          ],
        },
      ],
    });
    const sent = fake.matching('POST', PREDICT).slice(before)[0];
    expect(sent.path).toBe('/v1beta/models/veo-3.1-generate-preview:predictLongRunning');
    const image = sent.json.instances[0].image;
    expect(sent.json).toEqual({
      instances: [
        {
          prompt: 'the girl starts dancing',
          image: { bytesBase64Encoded: image.bytesBase64Encoded, mimeType: 'image/png' },
        },
      ],
      parameters: { aspectRatio: '9:16', durationSeconds: 8, negativePrompt: 'blur', resolution: '1080p' },
    });
    expect(await imageInfo(Buffer.from(image.bytesBase64Encoded, 'base64'))).toEqual({
      format: 'png',
      width: 72,
      height: 128,
    });
    const content = data.choices[0].message.content!;
    // The prompt is English; one directive word (竖屏) does not make the answer Chinese.
    expect(content).toContain('> ℹ️ veo-3.1-generate-preview makes 1080p videos of 8 s only; using 8 s.');
    const video = mp4Info(await download(firstLink(content.slice(content.indexOf('✅')))));
    expect(content).toContain('✅ Video generated successfully');
    expect(video.durationSeconds).toBeCloseTo(8, 1);
    expect(video.height).toBeGreaterThan(video.width);
  });

  it('accepts a video returned inline as encodedVideo', async () => {
    fake.videoShape = 'encodedVideo';
    const data = await gw.client.chat.completions.create({
      model: 'veo-3.1-fast',
      messages: [{ role: 'user', content: 'waves at dusk 6s' }],
    });
    const content = data.choices[0].message.content!;
    expect(mp4Info(await download(firstLink(content))).durationSeconds).toBeCloseTo(6, 1);
  });

  it('a blocked prompt (promptFeedback.blockReason) is a 400 policy block at the prompt stage', async () => {
    fake.mode = 'prompt-blocked';
    const err = await chatError(gw, 'nano-banana', 'something the filter dislikes');
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message: 'Google Gemini blocked the prompt (PROHIBITED_CONTENT).',
      type: 'invalid_request_error',
      param: 'prompt',
      code: 'content_policy_violation',
    });
  });

  it('an IMAGE_SAFETY finish is an output-stage block; streamed it ends with content_filter', async () => {
    fake.mode = 'image-safety';
    const { text, finish } = await streamChat(gw, {
      model: 'nano-banana',
      messages: [{ role: 'user', content: 'a portrait' }],
    });
    expect(finish).toBe('content_filter');
    expect(text).toContain(
      '🚫 Blocked by content review: Google Gemini withheld the image (IMAGE_SAFETY): The generated image was filtered by a safety policy.',
    );
    const err = await chatError(gw, 'nano-banana', 'a portrait');
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ param: 'output', code: 'content_policy_violation' });
  });

  it('a text-only answer is a clear failure quoting the model, without a retry', async () => {
    fake.mode = 'no-image';
    const before = fake.count('POST', GENERATE);
    const err = await chatError(gw, 'nano-banana', 'a cat');
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message:
        'Google Gemini returned no image (STOP); the model said: "I cannot draw that, but here is a description instead."',
      type: 'upstream_error',
      param: null,
      code: 'upstream_no_image',
    });
    expect(fake.count('POST', GENERATE) - before).toBe(1);
  });

  it('a 200 that is not a generateContent response is ambiguous: the image may be drawn and billed, so it is not asked for again', async () => {
    const before = fake.count('POST', GENERATE);
    fake.injectFaults('POST', GENERATE, [{ status: 200, body: ['upstream busy'] }]);
    const err = await chatError(gw, 'nano-banana', 'a lighthouse');
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message: 'Google Gemini answered with something that is not a generateContent response.',
      type: 'upstream_error',
      param: null,
      code: 'upstream_bad_response',
    });
    expect(fake.count('POST', GENERATE) - before).toBe(1);
  });

  it('a 429 RESOURCE_EXHAUSTED is not accepted: the submission is retried and billed once', async () => {
    fake.injectFaults('POST', PREDICT, [
      googleError(429, 'You exceeded your current quota, please check your plan and billing details.'),
    ]);
    const before = fake.count('POST', PREDICT);
    const accepted = fake.acceptedVideos;
    const data = await gw.client.chat.completions.create({
      model: 'veo-3.1-fast',
      messages: [{ role: 'user', content: 'a red kite 4s' }],
    });
    expect(data.choices[0].message.content).toMatch(/^✅ Video generated successfully/);
    expect(fake.count('POST', PREDICT) - before).toBe(2);
    expect(fake.acceptedVideos - accepted).toBe(1);
  });

  it('Veo RAI filtering (done, no video) is an output-stage block carrying the reasons', async () => {
    fake.mode = 'veo-rai-filtered';
    const err = await chatError(gw, 'sora-2', 'a famous actor 8s');
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message:
        'Google Veo filtered the generated video: The video could not be generated because it may violate the usage guidelines for depicting real people.',
      type: 'invalid_request_error',
      param: 'output',
      code: 'content_policy_violation',
    });
  });

  it('an operation that finishes with an error fails with its message', async () => {
    fake.mode = 'veo-operation-error';
    const err = await chatError(gw, 'sora-2', 'a city 4s');
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({
      code: 'upstream_error',
      message:
        'Google Veo failed to generate the video: Video generation failed due to an internal error. Please try again later.',
    });
  });

  it('an operation Google no longer knows (404 on poll) fails at once, after one status call', async () => {
    fake.mode = 'veo-operation-lost';
    const polls = fake.count('GET', OPERATION);
    const err = await chatError(gw, 'sora-2', 'a forest 4s');
    expect(err.status).toBe(502);
    expect(err.error.code).toBe('upstream_task_not_found');
    expect(err.error.message).toMatch(
      /^Google Veo no longer knows operation [0-9a-f]+; it may have expired\. Please retry\.$/,
    );
    expect(fake.count('GET', OPERATION) - polls).toBe(1);
  });

  it('an expired video file (404 on download) is result_expired', async () => {
    fake.mode = 'veo-file-expired';
    const err = await chatError(gw, 'sora-2', 'a desert 4s');
    expect(err.status).toBe(502);
    expect(err.error.code).toBe('result_expired');
  });

  it('the fake refuses what Google refuses: a wrong key, a string durationSeconds, an unknown ratio, 5 s, candidateCount', async () => {
    const post = (path: string, body: unknown, key = KEY) =>
      fetch(`${fake.url}/v1beta/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const veo = 'models/veo-3.1-generate-preview:predictLongRunning';
    const wrongKey = await post(veo, { instances: [{ prompt: 'x' }] }, 'AIza-wrong');
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.body.error).toMatchObject({
      code: 400,
      status: 'INVALID_ARGUMENT',
      message: 'API key not valid. Please pass a valid API key.',
      details: [{ reason: 'API_KEY_INVALID' }],
    });
    expect((await post(veo, { instances: [{ prompt: 'x' }], parameters: { durationSeconds: '8' } })).status).toBe(400);
    expect((await post(veo, { instances: [{ prompt: 'x' }], parameters: { duration_seconds: 5 } })).status).toBe(400);
    expect((await post(veo, { instances: [{ prompt: 'x' }], parameters: { aspectRatio: '1:1' } })).status).toBe(400);
    const image = 'models/gemini-2.5-flash-image:generateContent';
    const text = { contents: [{ parts: [{ text: 'x' }] }] };
    expect((await post(image, { ...text, generation_config: { image_config: { aspect_ratio: '7:5' } } })).status).toBe(
      400,
    );
    expect(
      (await post(image, { ...text, generationConfig: { imageConfig: { imageSize: '2K' } } })).body.error.message,
    ).toBe('Image size is not supported for models/gemini-2.5-flash-image.');
    expect((await post(image, { ...text, generationConfig: { candidateCount: 2 } })).body.error.message).toBe(
      'Multiple candidates is not enabled for models/gemini-2.5-flash-image',
    );
  });
});

describe(`Google Gemini adapter: key retirement (${databaseLabel})`, () => {
  const fake = new FakeGemini([KEY]);
  let gw: RunningGateway;

  beforeAll(async () => {
    await fake.start();
    gw = await startGateway({
      GEMINI_API_KEY: `AIza-revoked,${KEY}`,
      GEMINI_BASE_URL: `${fake.url}/v1beta`,
      ...FAST_RETRY_ENV,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await fake.close();
  });

  it('a key Google answers with 400 API_KEY_INVALID is retired and the job succeeds on the next key', async () => {
    const data = await gw.client.chat.completions.create({
      model: 'nano-banana',
      messages: [{ role: 'user', content: 'a teapot' }],
    });
    expect(await imageInfo(await download(firstLink(data.choices[0].message.content!)))).toEqual({
      format: 'png',
      width: 1024,
      height: 1024,
    });
    expect(fake.matching('POST', GENERATE).map((r) => r.headers['x-goog-api-key'])).toEqual(['AIza-revoked', KEY]);
    expect(fake.acceptedImages).toBe(1);
    const states = gw.gateway.channels.get('gemini')!.keys.states;
    expect(states.map((k) => k.retired)).toEqual([true, false]);
    expect(states[0].retiredReason).toBe('Google Gemini refused the API key (HTTP 400).');
    // Later jobs never use the retired key again.
    await gw.client.chat.completions.create({
      model: 'nano-banana',
      messages: [{ role: 'user', content: 'a kettle' }],
    });
    expect(fake.matching('POST', GENERATE).map((r) => r.headers['x-goog-api-key'])).toEqual(['AIza-revoked', KEY, KEY]);
  });
});

describe('Google Gemini adapter: Veo request rules', () => {
  const video: GenerationRequest = {
    model: 'sora-2',
    kind: 'video',
    prompt: 'a fox',
    references: [],
    aspectRatio: '1:1',
    width: 720,
    height: 720,
    seconds: 10,
    n: 1,
    format: 'mp4',
    language: 'en',
    adjustments: [],
  };
  const reference = { key: 'ab/cd.png', contentType: 'image/png', width: 8, height: 8, bytes: 10 };

  it('snaps 1:1 and 10 s for Veo 3.1, drops an unknown resolution, and keeps Veo 2 at 5/6/8 s without a resolution', () => {
    const options = readGeminiOptions({});
    const snapped = adaptVeoRequest({ ...video, resolution: '480p' }, 'veo-3.1-generate-preview', options);
    expect({ ...snapped, adjustments: adjustmentLines(snapped) }).toEqual({
      ...video,
      aspectRatio: '16:9',
      width: 1280,
      height: 720,
      seconds: 8,
      adjustments: [
        'veo-3.1-generate-preview cannot make 480p videos; using 720p.',
        'Aspect ratio 1:1 is not supported by veo-3.1-generate-preview; using 16:9.',
        'veo-3.1-generate-preview cannot make 10 s videos; using 8 s.',
      ],
    });
    const veo2 = adaptVeoRequest(
      { ...video, aspectRatio: '9:16', seconds: 4, resolution: '1080p' },
      'veo-2.0-generate-001',
      options,
    );
    expect(veo2).toMatchObject({ seconds: 5, width: 720, height: 1280 });
    expect(veo2.resolution).toBeUndefined();
  });

  it('asset reference mode sends up to 3 referenceImages of type ASSET and forces 8 s', () => {
    const options = readGeminiOptions({ veoReferenceMode: 'asset' });
    const adapted = adaptVeoRequest(
      { ...video, aspectRatio: '16:9', seconds: 4, references: [reference] },
      'veo-3.1-generate-preview',
      options,
    );
    expect(adapted.seconds).toBe(8);
    expect(adjustmentLines(adapted)).toEqual([
      'veo-3.1-generate-preview makes reference-image videos of 8 s only; using 8 s.',
    ]);
    const image = { data: Buffer.from('png'), contentType: 'image/png' };
    expect(predictLongRunningBody(adapted, 'veo-3.1-generate-preview', [image, image, image, image], options)).toEqual({
      instances: [
        {
          prompt: 'a fox',
          referenceImages: Array(3).fill({
            image: { bytesBase64Encoded: 'cG5n', mimeType: 'image/png' },
            referenceType: 'ASSET',
          }),
        },
      ],
      parameters: { aspectRatio: '16:9', durationSeconds: 8 },
    });
  });

  it('synthetic progress starts at 5 %, grows with elapsed time and never passes 90 %', () => {
    expect(syntheticProgress(0, 60)).toBe(5);
    expect(syntheticProgress(60_000, 60)).toBe(58);
    expect(syntheticProgress(3_600_000, 60)).toBe(90);
  });

  it('refuses a misspelt channel option at start-up', () => {
    expect(() => readGeminiOptions({ imageSize: '2k' })).toThrow(
      'gemini channel option "imageSize" must be one of 1K, 2K, 4K.',
    );
  });
});
