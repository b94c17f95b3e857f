import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from '../helpers/database.js';
import { download, firstLink, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { jobOf, streamChat } from '../helpers/chat.js';
import { imageInfo } from '../helpers/media.js';
import { pngBuffer, pngDataUrl } from '../helpers/images.js';
import { toFile } from 'openai';
import { FakeOpenAiImages } from '../fakes/openai-images.js';

describe(`OpenAI Images adapter (${databaseLabel})`, () => {
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

  it('generates through /images/generations with the snapped size and the cleaned prompt, then serves our own copy', async () => {
    const before = fake.requests.length;
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'gpt-image-1', messages: [{ role: 'user', content: 'Draw a cat --ar 3:2 --quality high' }] })
      .withResponse();
    expect(response.headers.get('x-mediagate-channel')).toBe('openai');
    const sent = fake.requests.slice(before).find((r) => r.path === '/v1/images/generations')!;
    expect(sent.headers.authorization).toBe('Bearer sk-fake-openai');
    expect(sent.json).toEqual({
      model: 'gpt-image-1',
      prompt: 'Draw a cat',
      n: 1,
      size: '1536x1024',
      quality: 'high',
      output_format: 'png',
    });
    const content = data.choices[0].message.content!;
    expect(content).toMatch(/^!\[image\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png\)$/);
    expect(await imageInfo(await download(firstLink(content)))).toEqual({ format: 'png', width: 1536, height: 1024 });
  });

  it('turns references into a multipart edit with repeated image[] parts, streamed', async () => {
    const before = fake.requests.length;
    const { text, finish } = await streamChat(gw, {
      model: 'gpt-4o-image',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'put both in one room, 方形' },
            { type: 'image_url', image_url: { url: await pngDataUrl(64, 64, '#ff0000') } },
            { type: 'image_url', image_url: { url: await pngDataUrl(48, 32, '#00ff00') } },
          ],
        },
      ],
    });
    expect(finish).toBe('stop');
    const sent = fake.requests.slice(before).find((r) => r.path === '/v1/images/edits')!;
    expect(sent.form!.get('model')).toBe('gpt-image-1');
    expect(sent.form!.get('size')).toBe('1024x1024');
    expect(sent.form!.get('prompt')).toBe('put both in one room');
    const parts = sent.form!.getAll('image[]') as File[];
    expect(parts).toHaveLength(2);
    expect((await imageInfo(Buffer.from(await parts[1].arrayBuffer()))).width).toBe(48);
    expect(await imageInfo(await download(firstLink(text)))).toEqual({ format: 'png', width: 1024, height: 1024 });
  });

  it('passes the token usage OpenAI reports through to /v1/images answers and the job', async () => {
    const { data: answer, response } = await gw.client.images
      .edit({
        model: 'gpt-image-1',
        prompt: 'make it night',
        image: await toFile(await pngBuffer(40, 60), 'day.png', { type: 'image/png' }),
      })
      .withResponse();
    // The fake counts ceil(13/4) = 4 prompt tokens, 65 per input image and 1056 per output image.
    const expected = {
      input_tokens: 69,
      output_tokens: 1056,
      total_tokens: 1125,
      input_tokens_details: { text_tokens: 4, image_tokens: 65 },
    };
    expect(answer.usage).toEqual(expected);
    // No ratio asked: the portrait reference keeps the edit portrait.
    expect(answer.size).toBe('1024x1536');
    expect(fake.requests.at(-1)!.form!.get('size')).toBe('1024x1536');
    const job = await jobOf(gw, response.headers.get('x-mediagate-job-id')!);
    expect(job.upstream.usage).toEqual(expected);
  });

  it("reports the upstream's safety refusal as a policy block on the prompt, without retrying", async () => {
    const before = fake.count('POST', /^\/v1\/images\/generations$/);
    const err = await gw.client.chat.completions
      .create({ model: 'dall-e-3', messages: [{ role: 'user', content: 'something forbidden' }] })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message: 'OpenAI: Your request was rejected as a result of our safety system.',
      type: 'invalid_request_error',
      param: 'prompt',
      code: 'content_policy_violation',
    });
    expect(fake.count('POST', /^\/v1\/images\/generations$/) - before).toBe(1);
  });

  it('lists only the models a channel serves', async () => {
    const ids = (await gw.client.models.list()).data.map((m) => m.id).sort();
    expect(ids).toEqual(['dall-e-3', 'gpt-4o-image', 'gpt-image-1', 'sora_image']);
  });
});
