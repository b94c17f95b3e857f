import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from './helpers/gateway.js';
import { pngDataUrl } from './helpers/images.js';
import { mp4Info } from './helpers/media.js';

describe(`video generation through chat completions (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  it('non-streaming sora-2 with "duration: 5 seconds" and 横屏 gives a 5 s 16:9 H.264 MP4', async () => {
    const response = await gw.client.chat.completions.create({
      model: 'sora-2',
      max_tokens: 1000,
      messages: [
        { role: 'user', content: 'an astronaut golden retriever floats in a space station, duration: 5 seconds 横屏' },
      ],
    });
    const content = response.choices[0].message.content ?? '';
    // English prose with one directive word (横屏): the answer is English.
    expect(content).toMatch(
      /✅ Video generated successfully, \[click here\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[^)]+\.mp4\) to view video$/,
    );
    const video = mp4Info(await download(firstLink(content)));
    expect(video.codec).toBe('avc1');
    expect(Math.abs(video.durationSeconds - 5)).toBeLessThanOrEqual(0.1);
    expect(video.width / video.height).toBeCloseTo(16 / 9, 2);
  });

  it('streaming image-to-video with a data: URL, 竖屏 and 3秒', async () => {
    const stream = await gw.client.chat.completions.create({
      model: 'sora_video2',
      stream: true,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: '一只狗在图片出场景中跑步 竖屏 时长3秒' },
            { type: 'image_url', image_url: { url: await pngDataUrl(640, 360, '#22aa44') } },
          ],
        },
      ],
    });
    const deltas: string[] = [];
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      deltas.push(chunk.choices[0]?.delta?.content ?? '');
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    const progress = deltas.filter((d) => /进度 \d+%/.test(d)).map((d) => Number(d.match(/(\d+)%/)![1]));
    expect(progress.length).toBeGreaterThan(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(finishReason).toBe('stop');
    const final = deltas.find((d) => d.startsWith('✅'))!;
    const video = mp4Info(await download(firstLink(final)));
    expect(Math.abs(video.durationSeconds - 3)).toBeLessThanOrEqual(0.1);
    expect(video.height).toBeGreaterThan(video.width);
    expect(video.width / video.height).toBeCloseTo(9 / 16, 2);
  });

  it('snaps 20 seconds to the 15 s maximum and says so in one line', async () => {
    const response = await gw.client.chat.completions.create({
      model: 'sora-2',
      messages: [{ role: 'user', content: 'waves on a beach' }],
      seconds: 20,
      aspect_ratio: '1:1',
    } as never);
    const content = (response as { choices: { message: { content: string } }[] }).choices[0].message.content;
    const notes = content.split('\n').filter((l) => l.startsWith('> ℹ️'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/15/);
    const video = mp4Info(await download(firstLink(content)));
    expect(Math.abs(video.durationSeconds - 15)).toBeLessThanOrEqual(0.1);
    expect(video.width).toBe(video.height);
  });

  it('serves the video with byte ranges so players can seek', async () => {
    const response = await gw.client.chat.completions.create({
      model: 'sora-2',
      messages: [{ role: 'user', content: 'a paper boat 2s' }],
    });
    const url = firstLink(response.choices[0].message.content ?? '');
    const whole = await download(url);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.headers.get('content-type')).toBe('video/mp4');
    expect(Number(head.headers.get('content-length'))).toBe(whole.length);
    expect(head.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    const partial = await fetch(url, { headers: { range: 'bytes=100-199' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 100-199/${whole.length}`);
    expect(Buffer.from(await partial.arrayBuffer())).toEqual(whole.subarray(100, 200));
  });
});
