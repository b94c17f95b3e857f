import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { imageInfo, mp4Info } from './helpers/media.js';

const IMAGE_LINK = /^!\[image\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png\)$/;

/**
 * The README's "Clients" snippets, call for call (the AI SDK's are in test/ai-sdk.test.ts). A change
 * to a snippet belongs here too.
 */
describe(`README "Clients" (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  /** `curl -s <url> -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d <body>`. */
  const curl = async (path: string, body: string) => {
    const response = await fetch(`${gw.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    return response.json();
  };

  it('curl: chat completions, the Responses API and the Images API', async () => {
    const chat = await curl(
      '/v1/chat/completions',
      '{"model":"gpt-image-1","messages":[{"role":"user","content":"A lighthouse at dawn 3:2"}]}',
    );
    const content = chat.choices[0].message.content;
    expect(content).toMatch(IMAGE_LINK);
    const response = await curl('/v1/responses', '{"model":"gpt-image-1","input":"A lighthouse at dawn 3:2"}');
    expect(response.output[0].content[0].text).toMatch(IMAGE_LINK);
    const image = await curl(
      '/v1/images/generations',
      '{"model":"gpt-image-1","prompt":"A lighthouse at dawn","size":"1536x1024","response_format":"url"}',
    );
    expect(await imageInfo(await download(image.data[0].url))).toEqual({ format: 'png', width: 1536, height: 1024 });
  });

  it('openai client: chat, images, videos, responses and the image_generation tool', async () => {
    const client = gw.client;
    const chat = await client.chat.completions.create({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'A lighthouse at dawn 3:2' }],
    });
    expect(chat.choices[0].message.content).toMatch(IMAGE_LINK);

    const image = await client.images.generate({
      model: 'gpt-image-1',
      prompt: 'A lighthouse at dawn',
      size: '1536x1024',
    });
    const png = Buffer.from(image.data![0].b64_json!, 'base64');
    expect(await imageInfo(png)).toEqual({ format: 'png', width: 1536, height: 1024 });

    let video = await client.videos.create({ model: 'sora-2', prompt: 'waves at dusk', seconds: '4' });
    while (video.status === 'queued' || video.status === 'in_progress') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      video = await client.videos.retrieve(video.id);
    }
    const mp4 = Buffer.from(await (await client.videos.downloadContent(video.id)).arrayBuffer());
    expect(Math.abs(mp4Info(mp4).durationSeconds - 4)).toBeLessThanOrEqual(0.1);

    const response = await client.responses.create({ model: 'gpt-image-1', input: 'A red fox in snow' });
    expect(response.output_text).toMatch(IMAGE_LINK);

    const drawn = await client.responses.create({
      model: 'gpt-4.1',
      input: 'A teapot on a wooden table',
      tools: [{ type: 'image_generation', model: 'gpt-image-1', size: '1024x1536' }],
    });
    const call = drawn.output.find((item) => item.type === 'image_generation_call');
    const teapot = Buffer.from(call!.result!, 'base64');
    expect(await imageInfo(teapot)).toEqual({ format: 'png', width: 1024, height: 1536 });
    expect(firstLink(drawn.output_text)).toMatch(/\.png$/);
  });
});
