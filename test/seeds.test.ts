import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { pngDataUrl } from './helpers/images.js';
import { imageInfo, mp4Info } from './helpers/media.js';
import { parseSse } from './helpers/sse.js';

/**
 * The request bodies and headers of the five documents in shared/seeds, sent as their curl examples
 * send them (image URLs replaced by data: URLs, as tests have no internet).
 */
describe(`the seed documents' examples (${databaseLabel})`, () => {
  let gw: RunningGateway;
  let reference: string;
  beforeAll(async () => {
    gw = await startGateway();
    reference = await pngDataUrl(512, 512, '#cc8800');
  });
  afterAll(async () => gw?.close());

  const send = (body: unknown, authorization = `Bearer ${TEST_API_KEY}`) =>
    fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { Accept: 'application/json', Authorization: authorization, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  const expectCompletionShape = (body: Record<string, unknown>) => {
    expect(body).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      choices: [{ index: 0, message: { role: 'assistant', content: expect.any(String) }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: expect.any(Number),
        completion_tokens: expect.any(Number),
        total_tokens: expect.any(Number),
      },
    });
  };

  const streamedContent = async (res: Response) => {
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const { data } = parseSse(await res.text());
    expect(data[data.length - 1]).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    for (const chunk of chunks)
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', id: chunks[0].id, model: 'sora-2' });
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    return chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  };

  it('000: sora_video2 image-to-video, non-streaming', async () => {
    const res = await send({
      model: 'sora_video2',
      stream: false,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'the cat logo comes alive and waves, duration: 2 seconds' },
            { type: 'image_url', image_url: { url: reference } },
          ],
        },
      ],
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expectCompletionShape(body);
    expect(body.choices[0].message.content).toMatch(
      /^✅ Video generated successfully, \[click here\]\(http[^)]+\.mp4\) to view video$/,
    );
    const video = mp4Info(await download(firstLink(body.choices[0].message.content)));
    expect(Math.abs(video.durationSeconds - 2)).toBeLessThanOrEqual(0.1);
  });

  it('001: sora-2 text-to-video with max_tokens, streaming', async () => {
    const res = await send({
      model: 'sora-2',
      max_tokens: 1000,
      messages: [
        {
          role: 'user',
          content:
            "an astronaut golden retriever named Sora levitates around an intergalactic pup-themed space station. 35mm film, the light of the comets shimmers off the dog's fur. duration: 2 seconds",
        },
      ],
      stream: true,
    });
    const content = await streamedContent(res);
    expect(content).toContain('✅ Video generated successfully, [click here](');
    const video = mp4Info(await download(firstLink(content.slice(content.indexOf('✅')))));
    expect(video.width / video.height).toBeCloseTo(16 / 9, 2);
  });

  it('002: gpt-4o-image "Draw a cat", non-streaming', async () => {
    const res = await send({
      model: 'gpt-4o-image',
      stream: false,
      messages: [{ role: 'user', content: 'Draw a cat' }],
    });
    const body = await res.json();
    expectCompletionShape(body);
    const info = await imageInfo(await download(firstLink(body.choices[0].message.content)));
    expect(info.format).toBe('png');
  });

  it('003: sora-2 Chinese prompt with a reference, bare "sk-" style Authorization, streaming', async () => {
    const res = await send(
      {
        model: 'sora-2',
        stream: true,
        messages: [
          {
            role: 'user',
            content: [
              { text: '一只狗在图片出场景中跑步 竖屏 2秒', type: 'text' },
              { image_url: { url: reference }, type: 'image_url' },
            ],
          },
        ],
      },
      TEST_API_KEY,
    );
    const content = await streamedContent(res);
    expect(content).toContain('✅ 视频生成成功');
    const video = mp4Info(await download(firstLink(content.slice(content.indexOf('✅')))));
    expect(video.height).toBeGreaterThan(video.width);
  });

  it('004: sora-2 image-to-video "video of a girl dancing", bare Authorization, streaming', async () => {
    const res = await send(
      {
        model: 'sora-2',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'video of a girl dancing 2s' },
              { type: 'image_url', image_url: { url: reference } },
            ],
          },
        ],
        stream: true,
      },
      TEST_API_KEY,
    );
    const content = await streamedContent(res);
    expect(content).toMatch(/✅ Video generated successfully, \[click here\]\(http[^)]+\.mp4\) to view video/);
  });
});
