import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelsConfig, FAST_RETRY_ENV } from '../helpers/channels.js';
import { databaseLabel } from '../helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { NO_REVIEW_ENV, QUICK_POLL_ENV } from '../helpers/adapter-env.js';
import { jobOf, streamChat } from '../helpers/chat.js';
import { pngDataUrl } from '../helpers/images.js';
import { imageInfo, mp4Info } from '../helpers/media.js';
import { FakeChatRelay } from '../fakes/chat-relay.js';
import { findFailure, findMedia } from '../../src/providers/chat-relay/answer.js';
import { ProgressScanner } from '../../src/providers/chat-relay/progress.js';

const CHAT = /^\/v1\/chat\/completions$/;

describe(`chat-relay adapter (${databaseLabel})`, () => {
  const relay = new FakeChatRelay(['sk-fake-relay']);
  let gw: RunningGateway;

  beforeAll(async () => {
    await relay.start();
    // A second channel on the same relay with a key it refuses, under a name no other test uses.
    const yaml = await channelsConfig([
      {
        name: 'relay-wrong-key',
        type: 'chat-relay',
        baseUrl: `${relay.url}/v1`,
        keys: ['sk-wrong'],
        models: ['sora_image'],
      },
    ]);
    gw = await startGateway({
      ...yaml,
      ...FAST_RETRY_ENV,
      CHAT_RELAY_API_KEY: 'sk-fake-relay',
      CHAT_RELAY_BASE_URL: `${relay.url}/v1`,
      CHAT_RELAY_MODELS: 'sora-2,sora_video2,gpt-4o-image',
      ...QUICK_POLL_ENV,
      // The gateway's own review is not under test here; the relay's is.
      ...NO_REVIEW_ENV,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await relay.close();
  });

  it("streams sora-2 through the relay: the seeds' request, the relay's progress as ours, the linked MP4 re-hosted", async () => {
    const before = relay.requests.length;
    const accepted = relay.accepted;
    const { deltas, progress, finish, response } = await streamChat(gw, {
      model: 'sora-2',
      messages: [
        { role: 'user', content: 'an astronaut golden retriever in a space station, duration: 5 seconds 横屏' },
      ],
    });
    expect(response.headers.get('x-mediagate-channel')).toBe('chat-relay');
    expect(finish).toBe('stop');
    const sent = relay.requests.slice(before).find((r) => CHAT.test(r.path))!;
    expect(sent.headers.authorization).toBe('Bearer sk-fake-relay');
    expect(sent.json).toEqual({
      model: 'sora-2',
      stream: true,
      messages: [
        { role: 'user', content: 'an astronaut golden retriever in a space station duration: 5 seconds 横屏' },
      ],
    });
    expect(relay.accepted - accepted).toBe(1);
    // Every percentage the relay printed (`Progress 12%`, `进度 36%`, `🏃 5`+`8%`, bare `81%`) became a progress delta.
    expect(progress.filter((p) => p < 95)).toEqual([12, 36, 58, 81]);
    // An English prompt with one Chinese directive (横屏) is answered in English.
    const final = deltas.find((d) => d.startsWith('✅'))!;
    expect(final).toMatch(
      /^✅ Video generated successfully, \[click here\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.mp4\) to view video$/,
    );
    const video = mp4Info(await download(firstLink(final)));
    expect(video.codec).toBe('avc1');
    expect(Math.abs(video.durationSeconds - 5)).toBeLessThanOrEqual(0.1);
    expect(video.width / video.height).toBeCloseTo(16 / 9, 2);
    const row = await jobOf(gw, response.headers.get('x-mediagate-job-id')!);
    expect(row).toMatchObject({ status: 'succeeded', seconds: 5, results: [{ content_type: 'video/mp4' }] });
  });

  it('sends a reference as an image_url data: URL part and reads <video src> inside a code fence', async () => {
    relay.once('video-tag');
    const before = relay.requests.length;
    const reference = await pngDataUrl(64, 36, '#22aa44');
    const response = await gw.client.chat.completions.create({
      model: 'sora_video2',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'video of a girl dancing 竖屏 时长3秒' },
            { type: 'image_url', image_url: { url: reference } },
          ],
        },
      ],
    });
    const sent = relay.requests.slice(before).find((r) => CHAT.test(r.path))!;
    const parts = sent.json.messages[0].content;
    expect(parts[0]).toEqual({ type: 'text', text: 'video of a girl dancing duration: 3 seconds 竖屏' });
    expect(parts[1].type).toBe('image_url');
    expect(parts[1].image_url.url).toMatch(/^data:image\/png;base64,/);
    expect(await imageInfo(Buffer.from(parts[1].image_url.url.split(',')[1], 'base64'))).toEqual({
      format: 'png',
      width: 64,
      height: 36,
    });
    const video = mp4Info(await download(firstLink(response.choices[0].message.content!)));
    expect(Math.abs(video.durationSeconds - 3)).toBeLessThanOrEqual(0.1);
    expect(video.height).toBeGreaterThan(video.width);
  });

  it('reads a markdown image answer for an image model', async () => {
    relay.once('image-markdown');
    const before = relay.requests.length;
    const response = await gw.client.chat.completions.create({
      model: 'gpt-4o-image',
      messages: [{ role: 'user', content: 'Draw a cat --ar 2:3' }],
    });
    const sent = relay.requests.slice(before).find((r) => CHAT.test(r.path))!;
    expect(sent.json.messages[0].content).toBe('Draw a cat aspect ratio: 2:3');
    const content = response.choices[0].message.content!;
    expect(content).toMatch(/^!\[image\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png\)$/);
    expect(await imageInfo(await download(firstLink(content)))).toEqual({ format: 'png', width: 512, height: 768 });
  });

  it('reads a non-streaming JSON answer given to a streaming request', async () => {
    relay.once('json');
    const response = await gw.client.chat.completions.create({
      model: 'sora-2',
      messages: [{ role: 'user', content: 'rain on a window, duration: 4 seconds' }],
    });
    const video = mp4Info(await download(firstLink(response.choices[0].message.content!)));
    expect(Math.abs(video.durationSeconds - 4)).toBeLessThanOrEqual(0.1);
  });

  it('a content-review failure after 95 % ends the stream with content_filter, as an output block', async () => {
    relay.once('policy');
    const { deltas, progress, finish, response } = await streamChat(gw, {
      model: 'sora-2',
      messages: [{ role: 'user', content: 'a calm lake, duration: 4 seconds' }],
    });
    expect(finish).toBe('content_filter');
    expect(progress).toContain(95);
    expect(deltas.filter(Boolean).at(-1)).toBe(
      '🚫 Blocked by content review: Chat relay: 生成失败：视频内容审核未通过 (the output violates our content policy)',
    );
    const row = await jobOf(gw, response.headers.get('x-mediagate-job-id')!);
    expect(row.error).toMatchObject({ code: 'content_policy_violation', stage: 'output' });
  });

  it('a refusal before any progress is a policy block on the prompt (HTTP 400, param "prompt")', async () => {
    const err = await gw.client.chat.completions
      .create({ model: 'sora-2', messages: [{ role: 'user', content: 'something forbidden' }] })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message: 'Chat relay: 提示词审核未通过：your prompt violates our content policy.',
      type: 'invalid_request_error',
      param: 'prompt',
      code: 'content_policy_violation',
    });
  });

  it("a plain failure text becomes upstream_task_failed with the relay's words", async () => {
    relay.once('failed');
    const err = await gw.client.chat.completions
      .create({ model: 'sora-2', messages: [{ role: 'user', content: 'a lighthouse' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toEqual({
      message: 'Chat relay: Generation failed: the upstream service is busy, please retry later',
      type: 'upstream_error',
      param: null,
      code: 'upstream_task_failed',
    });
  });

  it('a stream cut mid-way is ambiguous: the job fails and is never sent again', async () => {
    relay.once('cut');
    const before = relay.count('POST', CHAT);
    const { deltas, progress, finish, error } = await streamChat(gw, {
      model: 'sora-2',
      messages: [{ role: 'user', content: 'a windmill' }],
    });
    expect(finish).toBe('error');
    expect(error?.code).toBe('upstream_stream_interrupted');
    expect(progress).toEqual([12, 36]);
    expect(deltas.filter(Boolean).at(-1)).toMatch(
      /^❌ Generation failed: Chat relay's answer was cut off at 36% before it named a result/,
    );
    expect(relay.count('POST', CHAT) - before).toBe(1);
  });

  it('a connection dropped before any byte is resubmitted, and the generation happens once', async () => {
    relay.once('cut-at-once');
    const before = relay.count('POST', CHAT);
    const accepted = relay.accepted;
    const response = await gw.client.chat.completions.create({
      model: 'sora-2',
      messages: [{ role: 'user', content: 'a windmill at dawn, duration: 4 seconds' }],
    });
    expect(relay.count('POST', CHAT) - before).toBe(2);
    expect(relay.accepted - accepted).toBe(1);
    const video = mp4Info(await download(firstLink(response.choices[0].message.content!)));
    expect(Math.abs(video.durationSeconds - 4)).toBeLessThanOrEqual(0.1);
  });

  it('a refused key (401) is reported as such and nothing is generated', async () => {
    const accepted = relay.accepted;
    const err = await gw.client.chat.completions
      .create({ model: 'sora_image', messages: [{ role: 'user', content: 'Draw a dog' }] })
      .catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error.code).toBe('upstream_auth_failed');
    expect(err.error.message).toBe('Every API key of channel "relay-wrong-key" was refused.');
    expect(relay.accepted).toBe(accepted);
    expect(gw.gateway.channels.get('relay-wrong-key')!.keys.states[0]).toMatchObject({ retired: true });
  });
});

describe('chat-relay answer parsing', () => {
  const base = 'https://relay.example/v1';

  it('reads progress in every style relays print, across split deltas, ignoring the prompt echoed in a fence', () => {
    const scanner = new ProgressScanner();
    const seen = [
      '```json\n{"prompt": "a 50% off sale"}\n``',
      '`\n',
      '> 🏃 Progress 1',
      '2%\n',
      '进度 36%',
      '🏃 58 %',
      '\n81％\n',
      'Progress 47%',
    ].map((d) => scanner.push(d));
    expect(seen).toEqual([undefined, undefined, undefined, 12, 36, 58, 81, undefined]);
  });

  it('finds the link in each answer form', () => {
    const at = (text: string, kind: 'video' | 'image' = 'video') =>
      findMedia(text, kind, base).map((m) => `${m.contentType} ${m.url.slice(0, 40)}`);
    expect(
      at('> ✅ Video generated successfully, [click here](https://oss.example/sora/X83.mp4) to view video~~~'),
    ).toEqual(['video/mp4 https://oss.example/sora/X83.mp4']);
    expect(at("```html\n<video controls src='https://cdn.example/v.webm'></video>\n```")).toEqual([
      'video/webm https://cdn.example/v.webm',
    ]);
    expect(
      at('![cover](https://cdn.example/thumb.jpg) ✅ 视频生成成功 [点击这里](https://cdn.example/play?id=7)'),
    ).toEqual(['video/mp4 https://cdn.example/play?id=7']);
    expect(at('see https://cdn.example/files/out.mp4.')).toEqual(['video/mp4 https://cdn.example/files/out.mp4']);
    expect(at('[docs](https://relay.example/help)')).toEqual([]);
    expect(at('![image](/files/a.png)\n\n![image](https://cdn.example/b.webp)', 'image')).toEqual([
      'image/png https://relay.example/files/a.png',
      'image/webp https://cdn.example/b.webp',
    ]);
    expect(at('![image](data:image/jpeg;base64,/9j/4AAQ)', 'image')).toEqual([
      'image/jpeg data:image/jpeg;base64,/9j/4AAQ',
    ]);
  });

  it('tells content-review refusals from other failures, ignoring the echoed prompt', () => {
    expect(findFailure('```json\n{"prompt": "a safety inspector"}\n```\n❌ Generation failed: timeout')).toEqual({
      message: 'Generation failed: timeout',
      policy: false,
    });
    expect(findFailure('> 进度 95%\n❌ 生成失败：内容违规')).toEqual({ message: '生成失败：内容违规', policy: true });
    expect(findFailure('⚠️ Your request was rejected by moderation')).toEqual({
      message: '⚠️ Your request was rejected by moderation',
      policy: true,
    });
    expect(findFailure('> 🏃 Progress 40%')).toBeUndefined();
  });
});
