import { createOpenAI } from '@ai-sdk/openai';
import { generateImage, generateText, type ModelMessage, streamText, type Tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { download, firstLink, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { imageInfo, mp4Info } from './helpers/media.js';

const IMAGE_LINK = /^!\[image\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[0-9a-f]{2}\/[0-9a-f]{64}\.png\)$/;
const VIDEO_LINE =
  /^✅ Video generated successfully, \[click here\]\(http:\/\/127\.0\.0\.1:\d+\/media\/[^)]+\.mp4\) to view video$/;

/**
 * The Vercel AI SDK (`ai` 6, `@ai-sdk/openai` 3) as its documentation shows it: the default model form
 * `openai('…')` calls the Responses API, `.chat('…')` chat completions, `.image('…')` the Images API.
 */
describe(`the AI SDK against mediagate (${databaseLabel})`, () => {
  let gw: RunningGateway;
  let openai: ReturnType<typeof createOpenAI>;
  beforeAll(async () => {
    gw = await startGateway();
    openai = createOpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: TEST_API_KEY });
  });
  afterAll(async () => gw?.close());

  it('generateText with the default model form (Responses API): the image link, a PNG of the asked size', async () => {
    const { text, finishReason, response } = await generateText({
      model: openai('gpt-image-1'),
      prompt: 'A lighthouse on a cliff at dawn --ar 3:2',
    });
    expect(text).toMatch(IMAGE_LINK);
    expect(finishReason).toBe('stop');
    expect(response.id).toMatch(/^resp_job_/);
    expect(await imageInfo(await download(firstLink(text)))).toEqual({ format: 'png', width: 1536, height: 1024 });
  });

  it('a second turn with the default model form edits the first image (earlier turns arrive as item references)', async () => {
    const messages: ModelMessage[] = [{ role: 'user', content: 'Draw a cat on a sofa --ar 2:3' }];
    const first = await generateText({ model: openai('gpt-image-1'), messages });
    messages.push(...first.response.messages, { role: 'user', content: 'now make it night' });
    const second = await generateText({ model: openai('gpt-image-1'), messages });
    expect(second.text).toContain('Editing the image from earlier in the conversation');
    const jobOf = async (responseId: string) =>
      (
        await fetch(`${gw.baseUrl}/v1/jobs/${responseId.replace(/^resp_/, '')}`, {
          headers: { authorization: `Bearer ${TEST_API_KEY}` },
        })
      ).json();
    const [before, after] = [await jobOf(first.response.id), await jobOf(second.response.id)];
    expect(after.references).toEqual([expect.objectContaining({ url: before.results[0].url, source: 'history' })]);
  });

  it('streamText with the default model form: progress deltas, then the image', async () => {
    const result = streamText({ model: openai('gpt-image-1'), prompt: 'A red fox in snow --ar 2:3' });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas[0]).toBe('> 🎨 Generating an image (1024x1536) with gpt-image-1\n\n> ⏳ Queued\n\n');
    expect(deltas.at(-1)).toMatch(IMAGE_LINK);
    expect(await result.text).toBe(deltas.join(''));
    expect(await result.finishReason).toBe('stop');
    expect((await result.usage).totalTokens).toBeGreaterThan(0);
    expect(await imageInfo(await download(firstLink(deltas.at(-1)!)))).toEqual({
      format: 'png',
      width: 1024,
      height: 1536,
    });
  });

  it('a video model through the default form answers the chat final line', async () => {
    const { text } = await generateText({
      model: openai('sora-2'),
      prompt: 'a paper boat on a pond, duration: 4 seconds',
    });
    expect(text).toMatch(VIDEO_LINE);
    const video = mp4Info(await download(firstLink(text)));
    expect(Math.abs(video.durationSeconds - 4)).toBeLessThanOrEqual(0.1);
  });

  it('generateText and streamText with .chat(): the same image answer over chat completions', async () => {
    const { text } = await generateText({ model: openai.chat('gpt-image-1'), prompt: 'A teapot --ar 1:1' });
    expect(text).toMatch(IMAGE_LINK);
    expect(await imageInfo(await download(firstLink(text)))).toEqual({ format: 'png', width: 1024, height: 1024 });

    const result = streamText({ model: openai.chat('gpt-image-1'), prompt: 'A teapot --ar 1:1' });
    const streamed = await result.text;
    expect(streamed).toContain('> ⏳ Queued');
    expect(streamed.slice(streamed.lastIndexOf('!['))).toMatch(IMAGE_LINK);
    expect(await result.finishReason).toBe('stop');
  });

  it('generateImage with openai.image(): the bytes are a PNG of the asked size', async () => {
    const { image } = await generateImage({
      model: openai.image('gpt-image-1'),
      prompt: 'A watercolour of a harbour',
      size: '1536x1024',
    });
    expect(image.mediaType).toBe('image/png');
    expect(await imageInfo(Buffer.from(image.uint8Array))).toEqual({ format: 'png', width: 1536, height: 1024 });
  });

  it('the image_generation provider tool: its result is the base64 PNG of the asked size', async () => {
    // `ai` and `@ai-sdk/openai` each bring their own copy of provider-utils, so the tool's type does not
    // line up with what generateText expects; at run time it is the documented provider tool.
    const imageGeneration = openai.tools.imageGeneration({ size: '1024x1536', outputFormat: 'png' }) as unknown as Tool;
    const result = await generateText({
      model: openai('gpt-image-1'),
      prompt: 'A teapot on a wooden table',
      tools: { image_generation: imageGeneration },
    });
    expect(result.text).toMatch(IMAGE_LINK);
    const toolResult = result.toolResults[0] as unknown as { toolName: string; output: { result: string } };
    expect(toolResult.toolName).toBe('image_generation');
    const png = Buffer.from(toolResult.output.result, 'base64');
    expect(await imageInfo(png)).toEqual({ format: 'png', width: 1024, height: 1536 });

    // Streamed, the image_generation_call items arrive after the message and parse as the same result.
    const streamed = streamText({
      model: openai('gpt-image-1'),
      prompt: 'A teapot on a wooden table',
      tools: { image_generation: imageGeneration },
    });
    const parts: { type: string; output?: unknown }[] = [];
    for await (const part of streamed.fullStream) parts.push(part);
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    const streamedResult = parts.find((p) => p.type === 'tool-result') as { output: { result: string } } | undefined;
    expect(Buffer.from(streamedResult!.output.result, 'base64').equals(png)).toBe(true);
    expect(await streamed.finishReason).toBe('stop');
  });

  it('a failed generation streamed through the default form: an error part and finish reason "error"', async () => {
    const parts: { type: string; error?: unknown }[] = [];
    const result = streamText({
      model: openai('gpt-image-1'),
      prompt: 'a cat #sandbox-fail',
      onError: () => {},
    });
    for await (const part of result.fullStream) parts.push(part);
    const error = parts.find((p) => p.type === 'error');
    expect(String((error?.error as Error | undefined)?.message)).toContain('#sandbox-fail');
    expect(await result.finishReason).toBe('error');
    expect(await result.text).toContain('❌ Generation failed');
  });
});
