import { createOpenAI } from '@ai-sdk/openai';
import { streamText } from 'ai';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, TEST_API_KEY, type RunningGateway, postJson } from './helpers/gateway.js';
import { parseSse } from './helpers/sse.js';

const FAILED = 'The sandbox failed this job on request (#sandbox-fail in the prompt).';
const WITHHELD = 'The generated result did not pass review (sandbox test hook #sandbox-moderation).';

/**
 * A stream whose job does not succeed ends like one that does (final delta, finish chunk, usage
 * chunk), then carries the error the same request would get without streaming, then `[DONE]`.
 */
describe(`streams that fail, told apart by a program (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  const post = (body: Record<string, unknown>) => postJson(gw, '/v1/chat/completions', body);
  const failing = { model: 'gpt-image-1', messages: [{ role: 'user', content: 'a kite #sandbox-fail' }] };

  /** The last five `data:` payloads of a stream: final delta, finish, usage, error (parsed), `[DONE]` (as sent). */
  async function streamEnd(body: Record<string, unknown>) {
    const res = await post({ ...body, stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    const { data } = parseSse(await res.text());
    const [final, finish, usage, error] = data.slice(-5, -1).map((d) => JSON.parse(d));
    return { final, finish, usage, error, last: data.at(-1), jobId: res.headers.get('x-mediagate-job-id') };
  }

  it('a failed generation: final delta, finish_reason "error", usage, the unstreamed 502 envelope, [DONE]', async () => {
    const { final, finish, usage, error, last, jobId } = await streamEnd(failing);
    expect(final).toMatchObject({ id: `chatcmpl-${jobId}`, object: 'chat.completion.chunk' });
    expect(final.choices).toEqual([
      { index: 0, delta: { content: `❌ Generation failed: ${FAILED}` }, logprobs: null, finish_reason: null },
    ]);
    expect(finish.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'error' }]);
    expect(usage).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) } });
    expect(error).toEqual({ error: { message: FAILED, type: 'upstream_error', param: null, code: 'upstream_error' } });
    expect(last).toBe('[DONE]');

    const unstreamed = await post(failing);
    expect(unstreamed.status).toBe(502);
    expect(await unstreamed.json()).toEqual(error);
  });

  it('a content-review block keeps finish_reason "content_filter", then the unstreamed 400 envelope', async () => {
    const { final, finish, error, last } = await streamEnd({
      model: 'gpt-image-1',
      messages: [{ role: 'user', content: 'a kite #sandbox-moderation' }],
    });
    expect(final.choices[0].delta).toEqual({ content: `🚫 Blocked by content review: ${WITHHELD}` });
    expect(finish.choices[0].finish_reason).toBe('content_filter');
    expect(error).toEqual({
      error: { message: WITHHELD, type: 'invalid_request_error', param: 'output', code: 'content_policy_violation' },
    });
    expect(last).toBe('[DONE]');
  });

  it('the official openai client reads the deltas, then raises the APIError with its code and message', async () => {
    const stream = await gw.client.chat.completions.create({
      model: 'gpt-image-1',
      stream: true,
      messages: [{ role: 'user', content: 'a kite #sandbox-fail' }],
    });
    const finishes: (string | null)[] = [];
    let text = '';
    const raised = await (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        finishes.push(chunk.choices[0]?.finish_reason ?? null);
      }
    })().catch((e) => e);
    expect(raised).toBeInstanceOf(APIError);
    expect(raised).toMatchObject({ code: 'upstream_error', type: 'upstream_error', message: FAILED });
    expect(text).toContain(`❌ Generation failed: ${FAILED}`);
    expect(finishes.at(-1)).toBe('error');
  });

  it('the AI SDK\'s streamText (.chat model) shows the text, then an error part, and finishes with "error"', async () => {
    const openai = createOpenAI({ baseURL: `${gw.baseUrl}/v1`, apiKey: TEST_API_KEY });
    const result = streamText({ model: openai.chat('gpt-image-1'), prompt: 'a kite #sandbox-fail', onError: () => {} });
    const parts: { type: string; [key: string]: unknown }[] = [];
    for await (const part of result.fullStream) parts.push(part);
    const text = parts
      .filter((p) => p.type === 'text-delta')
      .map((p) => p.text)
      .join('');
    expect(text).toContain(`❌ Generation failed: ${FAILED}`);
    expect(parts.find((p) => p.type === 'error')).toMatchObject({
      error: { message: FAILED, type: 'upstream_error', code: 'upstream_error' },
    });
    expect(parts.find((p) => p.type === 'finish')).toMatchObject({ finishReason: 'error' });
  });
});
