import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { allLinks, download, startGateway, type RunningGateway, postJson } from './helpers/gateway.js';
import { imageInfo } from './helpers/media.js';
import { parseSse } from './helpers/sse.js';

type Chunk = { choices: { delta: { content?: string; images?: unknown }; finish_reason: string | null }[] };

/** `message.images` / `delta.images`, where Open WebUI, LobeChat, Cherry Studio and LiteLLM look for images. */
describe(`images where chat apps look for them (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  const post = (body: Record<string, unknown>) => postJson(gw, '/v1/chat/completions', body);
  const ask = async (body: Record<string, unknown>) => (await post(body)).json();
  const streamed = async (body: Record<string, unknown>) => {
    const { data } = parseSse(await (await post({ ...body, stream: true })).text());
    expect(data.at(-1)).toBe('[DONE]');
    return data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
  };
  const partsFor = (urls: string[]) => urls.map((url, index) => ({ type: 'image_url', image_url: { url }, index }));
  const say = (content: string) => [{ role: 'user', content }];

  it('non-streaming: message.images holds exactly the links content shows, in order; each is the PNG asked for', async () => {
    const body = await ask({ model: 'gpt-image-1', n: 2, size: '1536x1024', messages: say('two teapots') });
    const { message, finish_reason } = body.choices[0];
    expect(finish_reason).toBe('stop');
    const links = allLinks(message.content);
    expect(links).toHaveLength(2);
    expect(message.content).toBe(`![image](${links[0]})\n\n![image 2](${links[1]})`);
    expect(message.images).toEqual(partsFor(links));
    for (const url of links) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png$/);
    expect(await imageInfo(await download(links[1]))).toEqual({ format: 'png', width: 1536, height: 1024 });
  });

  it('streaming: delta.images rides on the result delta only, just before the finish chunk', async () => {
    const chunks = await streamed({ model: 'gpt-image-1', messages: say('a red fox in snow') });
    const withImages = chunks.filter((c) => c.choices[0]?.delta.images !== undefined);
    expect(withImages).toHaveLength(1);
    const result = withImages[0];
    expect(chunks.indexOf(result)).toBe(chunks.length - 2);
    const content = result.choices[0].delta.content ?? '';
    expect(content).toMatch(/^!\[image\]\(http[^)]+\.png\)$/);
    expect(result.choices[0].delta.images).toEqual(partsFor(allLinks(content)));
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
  });

  it('"plain": true answers in the seed documents\' shape only, with no images field', async () => {
    const [body, chunks] = await Promise.all([
      ask({ model: 'gpt-image-1', plain: true, messages: say('a blue square') }),
      streamed({ model: 'gpt-image-1', plain: true, messages: say('a green circle') }),
    ]);
    expect(Object.keys(body.choices[0].message).sort()).toEqual(['content', 'refusal', 'role']);
    expect(body.choices[0].message.content).toMatch(/^!\[image\]\(http[^)]+\.png\)$/);
    expect(chunks.filter((c) => c.choices[0]?.delta.images !== undefined)).toEqual([]);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toContain('![image](http');
  });

  it('a video answer keeps the markdown link and has no images field, streamed or not', async () => {
    const [body, chunks] = await Promise.all([
      ask({ model: 'sora-2', messages: say('a quiet lake 1s') }),
      streamed({ model: 'sora-2', messages: say('a windmill 1s') }),
    ]);
    expect(body.choices[0].message.content).toMatch(
      /^✅ Video generated successfully, \[click here\]\(http[^)]+\.mp4\)/,
    );
    expect(body.choices[0].message).not.toHaveProperty('images');
    expect(chunks.filter((c) => c.choices[0]?.delta.images !== undefined)).toEqual([]);
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
  });

  it("the answer's language is the prompt's own, not that of one directive word in it", async () => {
    const text = async (content: string) =>
      (await streamed({ model: 'gpt-image-1', messages: say(content) }))
        .map((c) => c.choices[0]?.delta.content ?? '')
        .join('');
    const [english, chinese] = await Promise.all([text('A cat on the beach 横屏'), text('一只猫在海边 16:9')]);
    expect(english).toMatch(/^> 🎨 Generating an image \(1536x1024\) with gpt-image-1\n\n/);
    expect(english).toContain('> ℹ️ Aspect ratio 16:9 is not supported by gpt-image-1; using 3:2.\n\n> ⏳ Queued');
    expect(english).toContain('![image](http');
    expect(chinese).toMatch(/^> 🎨 正在使用 gpt-image-1 生成图片（1536x1024）\n\n/);
    expect(chinese).toContain('> ⏳ 排队中');
    expect(chinese).toContain('![图片](http');
  });
});
