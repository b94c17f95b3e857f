import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateTokens } from '../src/http/chat/completion.js';
import { databaseLabel } from './helpers/database.js';
import { download, startGateway, TEST_API_KEY, type RunningGateway } from './helpers/gateway.js';
import { mp4Info } from './helpers/media.js';
import { parseSse } from './helpers/sse.js';

const OTHER_KEY = 'sk-other-key-abcdefghijkl';

describe(`stream lifecycle (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({
      MEDIAGATE_API_KEYS: `${TEST_API_KEY},${OTHER_KEY}`,
      MEDIAGATE_KEEPALIVE_MS: '200',
      MEDIAGATE_SANDBOX_POLL_MS: '700',
    });
  });
  afterAll(async () => gw?.close());

  const start = (key: string, content: string) =>
    fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sora-2', stream: true, messages: [{ role: 'user', content }] }),
    });
  const getJob = async (id: string, key = TEST_API_KEY) =>
    fetch(`${gw.baseUrl}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } });

  it('sends keep-alive comments while the job is silent', async () => {
    const res = await start(TEST_API_KEY, 'a quiet lake 1s');
    const { comments, data } = parseSse(await res.text());
    expect(comments.length).toBeGreaterThan(0);
    expect(comments[0]).toBe(': keep-alive');
    expect(data.at(-1)).toBe('[DONE]');
  });

  it('a job keeps running after its client disconnects, and can be fetched by id', async () => {
    const controller = new AbortController();
    const res = await fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'sora-2',
        stream: true,
        messages: [{ role: 'user', content: 'a windmill, duration: 2 seconds' }],
      }),
    });
    const jobId = res.headers.get('x-mediagate-job-id')!;
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('Progress')) seen += Buffer.from((await reader.read()).value!).toString();
    controller.abort();

    let job: { status: string; results: { url: string; seconds: number | null }[] } = { status: '', results: [] };
    for (let i = 0; i < 100 && job.status !== 'succeeded'; i++) {
      job = await (await getJob(`chatcmpl-${jobId}`)).json();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job.status).toBe('succeeded');
    expect(Math.abs(mp4Info(await download(job.results[0].url)).durationSeconds - 2)).toBeLessThanOrEqual(0.1);
  });

  it('counts the usage chunk over every delta the stream sent, progress lines included', async () => {
    // The stream keeps a count, not the text (src/http/chat/completion.ts SentText): the numbers must
    // still be those of the whole text, Chinese characters one token each.
    const prompt = '一只纸船在河上漂流, duration: 2 seconds';
    const res = await fetch(`${gw.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'sora-2',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: prompt }],
      }),
    });
    const chunks = parseSse(await res.text())
      .data.filter((d) => d !== '[DONE]')
      .map((d) => JSON.parse(d));
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toMatch(/进度|Progress/);
    const usage = chunks.at(-1).usage;
    const completionTokens = estimateTokens(text);
    expect(completionTokens).toBeGreaterThan(20);
    // The prompt is counted without its directives (the job's prompt), as before.
    expect(usage).toEqual({
      prompt_tokens: estimateTokens('一只纸船在河上漂流'),
      completion_tokens: completionTokens,
      total_tokens: estimateTokens('一只纸船在河上漂流') + completionTokens,
    });
  });

  it("one key cannot see another key's job", async () => {
    const res = await start(TEST_API_KEY, 'a secret garden 1s');
    const jobId = res.headers.get('x-mediagate-job-id')!;
    await res.text();
    expect((await getJob(jobId)).status).toBe(200);
    const foreign = await getJob(jobId, OTHER_KEY);
    expect(foreign.status).toBe(404);
    expect((await foreign.json()).error.code).toBe('job_not_found');
  });
});
