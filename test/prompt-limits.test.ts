import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway, postJson } from './helpers/gateway.js';

const post = postJson;

const tooLong = (message: string, param: string) => ({
  error: { message, type: 'invalid_request_error', param, code: 'prompt_too_long' },
});

/** Each model's documented prompt limit (Wan and Qwen-Image: 800 characters), on every endpoint. */
describe(`Prompt length per model (${databaseLabel})`, { timeout: 60_000 }, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '50' });
  });
  afterAll(async () => gw?.close());

  it('GET /v1/models shows each model’s limit', async () => {
    const res = await fetch(`${gw.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    const limits = Object.fromEntries(
      ((await res.json()) as { data: { id: string; mediagate: { max_prompt_chars: number } }[] }).data.map((m) => [
        m.id,
        m.mediagate.max_prompt_chars,
      ]),
    );
    expect(limits).toMatchObject({
      'gpt-image-1': 32_000,
      'dall-e-3': 4000,
      'sora-2': 32_000,
      'wan2.5': 800,
      'kling-v2-1': 2500,
      'qwen-image': 800,
      recraftv3: 1000,
    });
  });

  it('chat: 801 characters for wan2.5 is a 400 naming the message, the model and the limit', async () => {
    const res = await post(gw, '/v1/chat/completions', {
      model: 'wan2.5',
      messages: [
        { role: 'system', content: 'You make videos.' },
        { role: 'user', content: 'x'.repeat(801) },
      ],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(
      tooLong(
        'The prompt is 801 characters long (directives removed); wan2.5 takes at most 800. Shorten it.',
        'messages[1].content',
      ),
    );
  });

  it('Videos API: the same prompt is a 400 naming `prompt`', async () => {
    const res = await post(gw, '/v1/videos', { model: 'wan2.5', prompt: 'x'.repeat(801) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(
      tooLong(
        'The prompt is 801 characters long (directives removed); wan2.5 takes at most 800. Shorten it.',
        'prompt',
      ),
    );
  });

  it('Images API: qwen-image refuses 801 characters, and takes 800 once its directives are removed', async () => {
    const refused = await post(gw, '/v1/images/generations', { model: 'qwen-image', prompt: 'y'.repeat(801) });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual(
      tooLong(
        'The prompt is 801 characters long (directives removed); qwen-image takes at most 800. Shorten it.',
        'prompt',
      ),
    );
    // The limit is about the text sent upstream: the `16:9` directive does not count.
    const accepted = await post(gw, '/v1/images/generations', {
      model: 'qwen-image',
      prompt: `${'y'.repeat(800)} 16:9`,
      response_format: 'url',
    });
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as { size: string }).size).toBe('1664x928');
  });

  it('a 100 KB prompt stays refused by the gateway-wide bound on every endpoint', async () => {
    const huge = 'z'.repeat(100_000);
    const chat = await post(gw, '/v1/chat/completions', {
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: huge }],
    });
    expect(chat.status).toBe(400);
    expect(await chat.json()).toEqual(
      tooLong('The prompt is 100000 characters long; the limit is 32000.', 'messages[0].content'),
    );
    const images = await post(gw, '/v1/images/generations', { model: 'gpt-image-1', prompt: huge });
    expect(images.status).toBe(400);
    expect(((await images.json()) as { error: { param: string } }).error.param).toBe('prompt');
  });
});

/** A channel serving `sora-2` with an upstream model whose limit is stricter: the stricter applies. */
describe(`Prompt length of the serving upstream (${databaseLabel})`, { timeout: 60_000 }, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    // Nothing is sent: the prompt is refused before the channel is called.
    gw = await startGateway({ DASHSCOPE_API_KEY: 'sk-unused', DASHSCOPE_BASE_URL: 'http://127.0.0.1:9' });
  });
  afterAll(async () => gw?.close());

  it('sora-2 served by Wan takes Wan’s 800 characters, and the message says whose limit it is', async () => {
    const res = await post(gw, '/v1/chat/completions', {
      model: 'sora-2',
      messages: [{ role: 'user', content: 'w'.repeat(900) }],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(
      tooLong(
        'The prompt is 900 characters long (directives removed); sora-2 is served here by wan2.5-t2v-preview, which takes at most 800. Shorten it.',
        'messages[0].content',
      ),
    );
  });
});
