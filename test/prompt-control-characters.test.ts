import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAiImages } from './fakes/openai-images.js';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';

const auth = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };
/** NUL, BEL, ESC, DEL and NEL (C1) inside a prompt; the tab is whitespace, which prompt tidying collapses as before. */
const DIRTY = 'a cat\u0000 on a\u0007 mat\u001b\u007f\u0085\tat dusk';
const CLEAN = 'a cat on a mat at dusk';

/** Control characters are removed where the prompt is parsed, before anything else sees it. */
describe(`control characters in prompts (${databaseLabel})`, () => {
  const fake = new FakeOpenAiImages(['sk-fake-openai']);
  let sandbox: RunningGateway;
  let upstream: RunningGateway;
  beforeAll(async () => {
    await fake.start();
    [sandbox, upstream] = await Promise.all([
      startGateway(),
      startGateway({ OPENAI_API_KEY: 'sk-fake-openai', OPENAI_BASE_URL: `${fake.url}/v1` }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([sandbox?.close(), upstream?.close()]);
    await fake.close();
  });

  it('a prompt with U+0000 renders in the sandbox at once, the control characters gone', async () => {
    const started = Date.now();
    const res = await fetch(`${sandbox.baseUrl}/v1/images/generations`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ model: 'gpt-image-1', prompt: DIRTY, response_format: 'url' }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).data).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    const operations = (await readFile(join(sandbox.dataDir, 'sandbox', 'operations.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(operations.map((op) => op.prompt)).toEqual([CLEAN]);
  });

  it('the upstream receives the prompt without them (chat)', async () => {
    const before = fake.requests.length;
    const res = await fetch(`${upstream.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ model: 'gpt-image-1', stream: false, messages: [{ role: 'user', content: DIRTY }] }),
    });
    expect(res.status).toBe(200);
    const sent = fake.requests.slice(before).filter((r) => r.path === '/v1/images/generations');
    expect(sent.map((r) => r.json.prompt)).toEqual([CLEAN]);
  });

  it('a chat prompt longer than 32,000 characters is a 400, like the Images and Videos APIs', async () => {
    const res = await fetch(`${sandbox.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ model: 'gpt-image-1', messages: [{ role: 'user', content: 'x'.repeat(32_001) }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: 'The prompt is 32001 characters long; the limit is 32000.',
        type: 'invalid_request_error',
        param: 'messages[0].content',
        code: 'prompt_too_long',
      },
    });
  });
});
