import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpstreamError } from '../../src/providers/errors.js';
import { databaseLabel } from '../helpers/database.js';
import { FakeProvider, succeededWithBytes } from './fake-provider.js';
import { Channel, channelSettings, EngineHarness } from './harness.js';

describe(`engine: deadline and polling (${databaseLabel})`, () => {
  let harness: EngineHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function open(provider: FakeProvider) {
    const channel = new Channel(channelSettings('main'), provider);
    harness = await EngineHarness.open([channel]);
    return { h: harness, channel };
  }

  it('fails a job still running upstream at its deadline', async () => {
    const provider = new FakeProvider();
    provider.onStatus = async () => ({ state: 'running', progress: 30 });
    const { h, channel } = await open(provider);
    const runner = h.runner('one', { timeoutMs: 60_000 });
    runner.start();
    const job = await runner.submit(h.newJob({ createdAt: Date.now() - 59_700 }));
    const done = await h.terminal(job.id);
    expect(done).toMatchObject({
      status: 'failed',
      error: { code: 'job_timeout', message: 'The job did not finish within 1 minutes.' },
    });
    expect(done.statusCalls).toBeGreaterThan(0);
    expect(provider.starts).toHaveLength(1);
    // The slot is freed once the driver returns, a moment after the finished event.
    await vi.waitFor(() => expect(channel.running).toBe(0));
  });

  it('does not start a job whose deadline passed before it reached the upstream', async () => {
    const provider = new FakeProvider();
    const { h } = await open(provider);
    const runner = h.runner('one', { timeoutMs: 60_000 });
    runner.start();
    const job = await runner.submit(h.newJob({ createdAt: Date.now() - 61_000 }));
    expect(await h.terminal(job.id)).toMatchObject({
      status: 'failed',
      submitAttempts: 0,
      error: { code: 'job_timeout', message: 'The job could not be started upstream within 1 minutes.' },
    });
    expect(provider.starts).toHaveLength(0);
  });

  it('retries a status call that throws unexpectedly, like a failed poll, and finishes the job', async () => {
    const provider = new FakeProvider();
    provider.onStatus = async (_op, call) => {
      if (call <= 2) throw new TypeError("Cannot read properties of undefined (reading 'status')");
      return succeededWithBytes();
    };
    const { h } = await open(provider);
    const runner = h.runner('one');
    runner.start();
    const job = await runner.submit(h.newJob());
    expect(await h.terminal(job.id)).toMatchObject({ status: 'succeeded', statusCalls: 3 });
    expect(provider.statusCalls).toHaveLength(3);
    expect(
      h.log.entries.filter((e) => e.msg === 'status call failed; will retry').map((e) => e.details.consecutiveErrors),
    ).toEqual([1, 2]);
  });

  it.each([
    {
      why: 'says the task cannot go on',
      error: new UpstreamError(
        'rejected',
        { code: 'upstream_task_not_found', message: 'Fake: the task does not exist.' },
        { status: 404 },
      ),
    },
    {
      why: 'refuses the key its task belongs to',
      error: new UpstreamError(
        'key_rejected',
        { code: 'upstream_auth_failed', message: 'Fake: the key was revoked.' },
        { status: 401 },
      ),
    },
  ])('ends the job at once when the upstream $why', async ({ error }) => {
    const provider = new FakeProvider();
    provider.onStatus = async () => {
      throw error;
    };
    const { h } = await open(provider);
    const runner = h.runner('one');
    runner.start();
    const job = await runner.submit(h.newJob());
    expect(await h.terminal(job.id)).toMatchObject({
      status: 'failed',
      statusCalls: 1,
      error: { code: error.normalised.code, message: error.normalised.message },
    });
  });

  it('reports the progress the upstream reports, once per rise', async () => {
    const provider = new FakeProvider();
    const steps = [10, 10, 40, 30, 80];
    provider.onStatus = async (_op, call) =>
      call <= steps.length ? { state: 'running', progress: steps[call - 1] } : succeededWithBytes();
    const { h } = await open(provider);
    const runner = h.runner('one');
    runner.start();
    const newJob = h.newJob();
    const events = h.recordEvents(newJob.id);
    await runner.submit(newJob);
    expect((await h.terminal(newJob.id)).status).toBe('succeeded');
    expect(events.map((e) => (e.type === 'progress' ? e.progress : e.job.status))).toEqual([
      10,
      40,
      80,
      95,
      'succeeded',
    ]);
  });
});
