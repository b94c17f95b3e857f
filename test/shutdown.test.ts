import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';
import { download, TEST_ADMIN_KEY, TEST_API_KEY } from './helpers/gateway.js';
import { mp4Info } from './helpers/media.js';
import { killHard, spawnServer, type ServerProcess } from './helpers/server-process.js';
import { parseSse } from './helpers/sse.js';

const auth = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };

const videoRequest = (prompt: string, stream: boolean) =>
  JSON.stringify({ model: 'sora-2', stream, messages: [{ role: 'user', content: `${prompt}, duration: 2 seconds` }] });

/**
 * Opens a streaming request (chat, or the Responses API) and reads it until the job reports progress
 * (it is mid-flight).
 */
async function openStream(baseUrl: string, prompt: string, api: 'chat' | 'responses' = 'chat') {
  const response = await fetch(`${baseUrl}/v1/${api === 'chat' ? 'chat/completions' : 'responses'}`, {
    method: 'POST',
    headers: auth,
    body:
      api === 'chat'
        ? videoRequest(prompt, true)
        : JSON.stringify({ model: 'sora-2', stream: true, input: `${prompt}, duration: 2 seconds` }),
  });
  const jobId = response.headers.get('x-mediagate-job-id')!;
  const reader = response.body!.getReader();
  let body = '';
  while (!/Progress \d+%|进度 \d+%/.test(body)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended early: ${body}`);
    body += Buffer.from(value).toString();
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return body;
      body += Buffer.from(value).toString();
    }
  })();
  return { jobId, rest };
}

function exited(server: ServerProcess): Promise<number | null> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function untilTerminal(baseUrl: string, jobId: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const job = await (await fetch(`${baseUrl}/v1/jobs/${jobId}`, { headers: auth })).json();
    if (['succeeded', 'failed', 'cancelled'].includes(job.status) || Date.now() > deadline) return job;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe(`SIGTERM stops the server gracefully (${databaseLabel})`, () => {
  const servers: ServerProcess[] = [];
  let dataDir = '';
  afterAll(async () => {
    for (const server of servers) await killHard(server);
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('ends every stream with a line naming its job and [DONE], answers a waiting request 503 with its job, exits 0; every job completes after the restart', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mediagate-shutdown-'));
    const db = await testDatabaseOptions(dataDir);
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      MEDIAGATE_DATA_DIR: dataDir,
      MEDIAGATE_API_KEYS: TEST_API_KEY,
      MEDIAGATE_ADMIN_KEYS: TEST_ADMIN_KEY,
      MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS: '4000',
      MEDIAGATE_SANDBOX_POLL_MS: '100',
      MEDIAGATE_LEASE_MS: '1500',
      MEDIAGATE_ORPHAN_SCAN_INTERVAL_MS: '300',
      MEDIAGATE_SHUTDOWN_GRACE_MS: '10000',
      ...(db.url ? { DATABASE_URL: db.url } : {}),
      ...(db.schema ? { DATABASE_SCHEMA: db.schema } : {}),
    };
    const first = await spawnServer(env);
    servers.push(first);

    const waitingRequest = {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': 'shutdown-test-lighthouse' },
      body: videoRequest('a lighthouse at dusk', false),
    };
    const waiting = fetch(`${first.baseUrl}/v1/chat/completions`, waitingRequest);
    const streams = await Promise.all([
      openStream(first.baseUrl, 'a kite over hills'),
      openStream(first.baseUrl, 'a boat on a lake'),
      openStream(first.baseUrl, '一只猫在屋顶上'),
    ]);
    const responsesStream = await openStream(first.baseUrl, 'a heron in reeds', 'responses');
    // All five jobs exist (the waiting request's included) before the signal.
    const adminJobs = async () =>
      (
        await (
          await fetch(`${first.baseUrl}/admin/v1/jobs`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })
        ).json()
      ).data as { id: string; status: string }[];
    while ((await adminJobs()).length < 5) await new Promise((r) => setTimeout(r, 50));
    expect((await adminJobs()).every((job) => job.status !== 'succeeded')).toBe(true);

    first.child.kill('SIGTERM');

    for (const [i, stream] of streams.entries()) {
      const { data } = parseSse(await stream.rest);
      expect(data.at(-1)).toBe('[DONE]');
      const chunks = data.slice(0, -1).map((line) => JSON.parse(line));
      expect(chunks.at(-1).choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'stop', logprobs: null });
      const last = chunks.at(-2).choices[0].delta.content as string;
      expect(last).toContain(stream.jobId);
      expect(last).toContain(`GET /v1/jobs/${stream.jobId}`);
      // The absolute link any instance answers with the job's events (this one's address, as no PUBLIC_BASE_URL is set).
      expect(last).toContain(`${first.baseUrl}/v1/jobs/${stream.jobId}/events`);
      // In the prompt's language, like the rest of the answer.
      expect(last).toMatch(i === 2 ? /服务器正在重启/ : /The server is restarting/);
    }

    // The Responses stream: a last text delta naming the job, then `response.incomplete` (interrupted).
    const events = parseSse(await responsesStream.rest).data.map((line) => JSON.parse(line));
    const lastDelta = events.filter((e) => e.type === 'response.output_text.delta').at(-1);
    expect(lastDelta.delta).toContain(`GET /v1/jobs/${responsesStream.jobId}`);
    expect(lastDelta.delta).toContain(`${first.baseUrl}/v1/jobs/${responsesStream.jobId}/events`);
    expect(events.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'interrupted' } },
    });

    const answer = await waiting;
    expect(answer.status).toBe(503);
    const waitedJob = answer.headers.get('x-mediagate-job-id')!;
    expect(waitedJob).toMatch(/^job_/);
    expect(answer.headers.get('x-should-retry')).toBe('true');
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(await answer.json()).toEqual({
      error: {
        message:
          `The server is restarting. Job ${waitedJob} keeps running and resumes when the server is back: ` +
          `follow it with GET /v1/jobs/${waitedJob}, or send this request again to get its result.`,
        type: 'server_error',
        param: null,
        code: 'server_shutting_down',
      },
    });

    // 0, not the 1 of a forced exit at the end of the grace period.
    expect(await exited(first)).toBe(0);
    expect(first.output()).toContain('"streams":4');
    expect(first.output()).toContain('"msg":"stopped"');

    const second = await spawnServer(env);
    servers.push(second);
    // The retry the 503 asks for (here with the same Idempotency-Key) joins the same job and gets its result.
    const retried = await fetch(`${second.baseUrl}/v1/chat/completions`, waitingRequest);
    expect(retried.status).toBe(200);
    expect(retried.headers.get('x-mediagate-job-id')).toBe(waitedJob);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect((await retried.json()).choices[0].message.content).toContain('Video generated successfully');
    // A stream's request sent again as it was (no key, no retry header: a chat app's resend) joins its job, once.
    const resent = await fetch(`${second.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: auth,
      body: videoRequest('a kite over hills', true),
    });
    expect(resent.headers.get('x-mediagate-job-id')).toBe(streams[0].jobId);
    expect(resent.headers.get('x-mediagate-retry-of')).toBe(streams[0].jobId);
    expect(await resent.text()).toContain('Video generated successfully');
    for (const jobId of [...streams.map((s) => s.jobId), responsesStream.jobId, waitedJob]) {
      const job = await untilTerminal(second.baseUrl, jobId);
      expect(job.status).toBe('succeeded');
      const video = mp4Info(await download(job.results[0].url));
      expect(Math.abs(video.durationSeconds - 2)).toBeLessThanOrEqual(0.1);
    }
  });
});
