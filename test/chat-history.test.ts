import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { firstLink, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { pngDataUrl } from './helpers/images.js';
import { call, type Json } from './helpers/operator.js';

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

const EDITING = '> ✏️ Editing the image from earlier in the conversation.';

describe(`editing in conversation (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  /** The job behind a chat answer, as the customer sees it. */
  const jobOf = async (completionId: string): Promise<Json> => {
    const { status, body } = await call(gw, `/v1/jobs/${completionId}`, { key: TEST_API_KEY });
    expect(status).toBe(200);
    return body;
  };

  const ask = async (model: string, messages: Message[], extra: Record<string, unknown> = {}) => {
    const response = await gw.client.chat.completions.create({ model, messages, ...extra } as never);
    const { id, choices } = response as OpenAI.Chat.Completions.ChatCompletion;
    return { content: choices[0].message.content ?? '', job: await jobOf(id) };
  };

  it('three turns: draw, "now make it night" edits the drawing, "make it a video" animates the night one', async () => {
    const messages: Message[] = [{ role: 'user', content: 'Draw a cat' }];
    const first = await ask('gpt-image-1', messages);
    expect(first.content).not.toContain(EDITING);
    expect(first.job.references).toEqual([]);

    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: 'now make it night' });
    const second = await ask('gpt-image-1', messages);
    expect(second.content.startsWith(`${EDITING}\n\n![image](`)).toBe(true);
    expect(second.job.prompt).toBe('now make it night');
    const [firstResult] = first.job.results;
    expect(second.job.references).toEqual([
      {
        url: firstResult.url,
        source: 'history',
        width: firstResult.width,
        height: firstResult.height,
        content_type: firstResult.content_type,
      },
    ]);
    expect(second.job.results[0].url).not.toBe(firstResult.url);

    // Streamed, on a video model that takes a reference: the line comes with the start lines.
    messages.push({ role: 'assistant', content: second.content }, { role: 'user', content: 'make it a video' });
    // The shortest video sora-2 takes, so the render stays quick.
    const stream = await gw.client.chat.completions.create({
      model: 'sora-2',
      messages,
      stream: true,
      seconds: 4,
    } as OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming);
    let text = '';
    let id = '';
    for await (const chunk of stream) {
      id = chunk.id;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toMatch(/^> 🎬 Generating a 4 s [\d:]+ video \(\d+x\d+\) with sora-2\n\n> ✏️ Editing the image/);
    expect(firstLink(text)).toMatch(/\.mp4$/);
    const third = await jobOf(id);
    expect(third.references).toHaveLength(1);
    expect(third.references[0]).toMatchObject({ url: second.job.results[0].url, source: 'history' });

    // A video is not an image: a fourth turn edits the night image, the most recent image there is.
    messages.push({ role: 'assistant', content: text }, { role: 'user', content: 'a poster of it' });
    const fourth = await ask('gpt-image-1', messages);
    expect(fourth.job.references[0]).toMatchObject({ url: second.job.results[0].url, source: 'history' });
  });

  it("an earlier user message's image is the reference; the answer's images field counts like its text", async () => {
    const photo = await pngDataUrl(300, 200, '#22aa44');
    const { job, content } = await ask('gpt-image-1', [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'here is my garden' },
          { type: 'image_url', image_url: { url: photo } },
        ],
      },
      { role: 'assistant', content: 'What would you like to do with it?' },
      { role: 'user', content: 'make it autumn' },
    ]);
    expect(content.startsWith(EDITING)).toBe(true);
    expect(job.references).toEqual([
      expect.objectContaining({ source: 'history', width: 300, height: 200, content_type: 'image/png' }),
    ]);

    const drawn = await ask('gpt-image-1', [{ role: 'user', content: 'a red boat' }]);
    const boat = drawn.job.results[0].url;
    const viaImages = await ask('gpt-image-1', [
      { role: 'user', content: 'a red boat' },
      { role: 'assistant', content: 'Here it is.', images: [{ type: 'image_url', image_url: { url: boat } }] } as never,
      { role: 'user', content: 'make it blue' },
    ]);
    expect(viaImages.job.references).toEqual([expect.objectContaining({ url: boat, source: 'history' })]);
  });

  it('use_history_image: false, a model without references, and a link to another host use no history', async () => {
    const drawn = await ask('gpt-image-1', [{ role: 'user', content: 'a lighthouse' }]);
    const conversation: Message[] = [
      { role: 'user', content: 'a lighthouse' },
      { role: 'assistant', content: drawn.content },
      { role: 'user', content: 'now in fog' },
    ];

    const off = await ask('gpt-image-1', conversation, { use_history_image: false });
    expect(off.job.references).toEqual([]);
    expect(off.content).not.toContain('✏️');

    const textOnly = await ask('flux-dev', conversation);
    expect(textOnly.job.references).toEqual([]);
    expect(textOnly.job.adjustments).toEqual([]);
    expect(textOnly.content).not.toContain('✏️');

    // Not made here: an answer's link elsewhere is never fetched (example.invalid would fail the request).
    const foreign = await ask('gpt-image-1', [
      { role: 'user', content: 'a lighthouse' },
      {
        role: 'assistant',
        content: '![image](http://example.invalid/media/ab/cat.png) [also](https://example.invalid/x.png)',
      },
      { role: 'user', content: 'now in fog' },
    ]);
    expect(foreign.job.references).toEqual([]);
    expect(foreign.content).not.toContain('✏️');
  });

  it('a model that needs a reference takes the history image; one that is gone is a 400 saying how to do without, and is said and skipped for a model that can do without', async () => {
    const drawn = await ask('gpt-image-1', [{ role: 'user', content: 'a teapot' }]);
    const edited = await ask('qwen-image-edit', [
      { role: 'user', content: 'a teapot' },
      { role: 'assistant', content: drawn.content },
      { role: 'user', content: 'make it gold' },
    ]);
    expect(edited.job.references).toEqual([
      expect.objectContaining({ url: drawn.job.results[0].url, source: 'history' }),
    ]);

    const gone = `${gw.baseUrl}/media/ab/ab${'0'.repeat(62)}.png`;
    const goneTurns: Message[] = [
      { role: 'user', content: 'a teapot' },
      { role: 'assistant', content: `![image](${gone})` },
      { role: 'user', content: 'make it gold' },
    ];
    const { status, body } = await call(gw, '/v1/chat/completions', {
      key: TEST_API_KEY,
      body: { model: 'qwen-image-edit', messages: goneTurns },
    });
    expect(status).toBe(400);
    expect(body.error).toEqual({
      message: `messages[1].content names /media/ab/ab${'0'.repeat(62)}.png, which this gateway does not hold. It is the image from earlier in the conversation, used because the last message has none; send "use_history_image": false to generate without it.`,
      type: 'invalid_request_error',
      param: 'messages[1].content',
      code: 'image_fetch_failed',
    });

    // A model that can do without it generates from the prompt, and says why the image was not used.
    const fresh = await ask('gpt-image-1', goneTurns);
    expect(fresh.job.references).toEqual([]);
    expect(fresh.content).toContain(
      '> ℹ️ The image from earlier in the conversation is no longer available; generating from the prompt alone.',
    );
    expect(fresh.content).not.toContain('✏️');
  });

  it('a Chinese prompt gets the line in Chinese', async () => {
    const drawn = await ask('gpt-image-1', [{ role: 'user', content: '画一只猫' }]);
    const { content } = await ask('gpt-image-1', [
      { role: 'user', content: '画一只猫' },
      { role: 'assistant', content: drawn.content },
      { role: 'user', content: '改成夜晚的样子' },
    ]);
    expect(content.startsWith('> ✏️ 正在编辑对话中之前的图片。\n\n![图片](')).toBe(true);
  });
});
