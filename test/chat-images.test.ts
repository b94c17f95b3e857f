import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from './helpers/gateway.js';
import { pngDataUrl } from './helpers/images.js';
import { imageInfo } from './helpers/media.js';

describe(`image generation through chat completions (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  it('non-streaming: answers with a markdown image whose PNG has the requested ratio', async () => {
    const response = await gw.client.chat.completions.create({
      model: 'nano-banana',
      messages: [{ role: 'user', content: 'A lighthouse on a cliff at dawn 16:9' }],
    });
    expect(response.object).toBe('chat.completion');
    expect(response.choices[0].finish_reason).toBe('stop');
    const content = response.choices[0].message.content ?? '';
    expect(content).toMatch(/^!\[image\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png\)$/);
    expect(content).not.toContain('base64');
    expect(response.usage?.total_tokens).toBeGreaterThan(0);
    const png = await download(firstLink(content));
    const info = await imageInfo(png);
    expect(info.format).toBe('png');
    expect(info.width / info.height).toBeCloseTo(16 / 9, 1);
  });

  it('streaming: role chunk, progress deltas, final image and a usage chunk', async () => {
    const stream = await gw.client.chat.completions.create({
      model: 'gpt-image-1',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'A red fox in snow --ar 2:3' }] }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toContain('Queued');
    expect(text).toMatch(/Progress \d+%/);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish?.choices[0].finish_reason).toBe('stop');
    const usage = chunks[chunks.length - 1];
    expect(usage.choices).toEqual([]);
    expect(usage.usage?.total_tokens).toBeGreaterThan(0);
    const png = await download(firstLink(text.slice(text.indexOf('!['))));
    const info = await imageInfo(png);
    expect([info.width, info.height]).toEqual([1024, 1536]);
  });

  it('n images: one link each, each image distinct', async () => {
    const response = await gw.client.chat.completions.create({
      model: 'gpt-image-1',
      n: 2,
      messages: [{ role: 'user', content: 'two variations of a teapot' }],
    } as never);
    const content = (response as { choices: { message: { content: string } }[] }).choices[0].message.content;
    const links = [...content.matchAll(/\]\((http[^)]+)\)/g)].map((m) => m[1]);
    expect(links).toHaveLength(2);
    expect(links[0]).not.toBe(links[1]);
  });

  it('an image edit with a data: URL reference renders at the model size', async () => {
    const response = await gw.client.chat.completions.create({
      model: 'flux-kontext-dev',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'make it look like a watercolour 1:1' },
            { type: 'image_url', image_url: { url: await pngDataUrl(300, 200, '#ff0000') } },
          ],
        },
      ],
    });
    const png = await download(firstLink(response.choices[0].message.content ?? ''));
    const info = await imageInfo(png);
    expect(info.width).toBe(info.height);
  });

  it('Chinese prompts get Chinese text', async () => {
    const stream = await gw.client.chat.completions.create({
      model: 'doubao-seedream-4-0-250828',
      stream: true,
      messages: [{ role: 'user', content: '画一只猫 方形' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toContain('排队中');
    expect(text).toContain('![图片](');
  });

  it('answers with the sandbox channel and job id headers', async () => {
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'dall-e-3', messages: [{ role: 'user', content: 'a blue square' }] })
      .withResponse();
    expect(response.headers.get('x-mediagate-channel')).toBe('sandbox');
    const jobId = response.headers.get('x-mediagate-job-id');
    expect(jobId).toMatch(/^job_/);
    expect(data.id).toBe(`chatcmpl-${jobId}`);
  });
});
