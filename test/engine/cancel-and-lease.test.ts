import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobResult } from '../../src/jobs/types.js';
import { allowEverything, type Moderator } from '../../src/moderation/types.js';
import { databaseLabel } from '../helpers/database.js';
import { FakeProvider, heldTask } from './fake-provider.js';
import { Channel, channelSettings, EngineHarness, eventually, sleep } from './harness.js';

/** A stage-3 review that waits until the test lets it answer. */
function heldReview(): { moderator: Moderator; reviewing: Promise<void>; pass(): void } {
  let pass!: () => void;
  let started!: () => void;
  const answer = new Promise<void>((resolve) => (pass = resolve));
  const reviewing = new Promise<void>((resolve) => (started = resolve));
  const moderator: Moderator = {
    ...allowEverything,
    reviewResults: async (_job, _results: JobResult[]) => {
      started();
      await answer;
      return null;
    },
  };
  return { moderator, reviewing, pass };
}

describe(`engine: cancels and leases (${databaseLabel})`, () => {
  let harness: EngineHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('a cancel that lands while the job is finishing wins, and the job ends once', async () => {
    const provider = new FakeProvider();
    const channel = new Channel(channelSettings('main'), provider);
    harness = await EngineHarness.open([channel]);
    const review = heldReview();
    const runner = harness.runner('one', {}, review.moderator);
    runner.start();
    const job = await runner.submit(harness.newJob());
    const events = harness.recordEvents(job.id);
    await review.reviewing;

    const cancelled = await runner.cancel(job.id);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      error: { code: 'cancelled', message: 'The job was cancelled.' },
    });
    expect(provider.cancels).toEqual([{ id: 'task_1' }]);
    review.pass();
    await eventually(() => runner.activeCount === 0);
    expect(await harness.store.get(job.id)).toMatchObject({ status: 'cancelled', results: [] });
    expect(events.filter((e) => e.type === 'finished').map((e) => e.type === 'finished' && e.job.status)).toEqual([
      'cancelled',
    ]);
    // The slot is freed once the driver returns, a moment after the finished event.
    await vi.waitFor(() => expect(channel.running).toBe(0));
  });

  it('a cancel that lands after the job finished changes nothing', async () => {
    const provider = new FakeProvider();
    harness = await EngineHarness.open([new Channel(channelSettings('main'), provider)]);
    const runner = harness.runner('one');
    runner.start();
    const job = await runner.submit(harness.newJob());
    const done = await harness.terminal(job.id);
    expect(await runner.cancel(job.id)).toBeNull();
    expect(await harness.store.get(job.id)).toEqual(done);
    expect(provider.cancels).toHaveLength(0);
  });

  it('a cancel while polling asks the upstream to cancel with the key that created the task, and stops polling', async () => {
    const task = heldTask();
    const provider = new FakeProvider();
    provider.onStatus = task.onStatus;
    const channel = new Channel(channelSettings('main', { keys: ['sk-first-key', 'sk-second-key'] }), provider);
    harness = await EngineHarness.open([channel]);
    const runner = harness.runner('one');
    runner.start();
    const job = await runner.submit(harness.newJob());
    await eventually(() => provider.statusCalls.length >= 2);
    const keyUsed = provider.starts[0].authorization;
    expect(await runner.cancel(job.id)).toMatchObject({ status: 'cancelled' });
    expect(provider.cancels).toEqual([{ id: 'task_1' }]);
    expect(provider.cancelKeys).toEqual([keyUsed]);
    await eventually(() => runner.activeCount === 0);
    const polls = provider.statusCalls.length;
    await sleep(100);
    expect(provider.statusCalls.length).toBe(polls);
    // The slot is freed once the driver returns, a moment after the finished event.
    await vi.waitFor(() => expect(channel.running).toBe(0));
  });

  it('a job whose lease another instance took is neither polled nor finished from here', async () => {
    const task = heldTask();
    const provider = new FakeProvider();
    provider.onStatus = task.onStatus;
    const channel = new Channel(channelSettings('main'), provider);
    harness = await EngineHarness.open([channel]);
    const runner = harness.runner('one');
    runner.start();
    const job = await runner.submit(harness.newJob());
    await eventually(() => provider.statusCalls.length >= 2);

    await harness.giveLeaseTo(job.id, 'other', Date.now() + 60_000);
    await eventually(() => runner.activeCount === 0);
    task.finish();
    const polls = provider.statusCalls.length;
    await sleep(150);
    expect(provider.statusCalls.length).toBe(polls);
    expect(await harness.store.get(job.id)).toMatchObject({ status: 'running', leaseOwner: 'other', results: [] });
    expect(harness.log.entries.filter((e) => e.msg === 'job lease lost; this instance stops driving the job')).toEqual([
      { level: 'warn', msg: 'job lease lost; this instance stops driving the job', details: { jobId: job.id } },
    ]);
    // The slot is freed once the driver returns, a moment after the finished event.
    await vi.waitFor(() => expect(channel.running).toBe(0));
  });

  it('a job whose lease another instance took while it waited for a slot is not submitted from here', async () => {
    const task = heldTask();
    const provider = new FakeProvider();
    provider.onStatus = task.onStatus;
    const channel = new Channel(channelSettings('narrow', { concurrency: 1 }), provider);
    harness = await EngineHarness.open([channel]);
    const runner = harness.runner('one');
    runner.start();
    const first = await runner.submit(harness.newJob());
    const second = await runner.submit(harness.newJob());
    await eventually(() => provider.statusCalls.length >= 1);
    await harness.giveLeaseTo(second.id, 'other', Date.now() + 60_000);
    task.finish();
    expect((await harness.terminal(first.id)).status).toBe('succeeded');
    await eventually(() => runner.activeCount === 0);
    expect(provider.starts).toHaveLength(1);
    expect(await harness.store.get(second.id)).toMatchObject({
      status: 'queued',
      submitAttempts: 0,
      submittedAt: null,
      leaseOwner: 'other',
    });
  });

  it('a job whose lease was taken during its final review is left to the instance that holds it', async () => {
    const provider = new FakeProvider();
    harness = await EngineHarness.open([new Channel(channelSettings('main'), provider)]);
    const review = heldReview();
    const runner = harness.runner('one', {}, review.moderator);
    runner.start();
    const job = await runner.submit(harness.newJob());
    const events = harness.recordEvents(job.id);
    await review.reviewing;
    await harness.giveLeaseTo(job.id, 'other', Date.now() + 60_000);
    review.pass();
    await eventually(() => runner.activeCount === 0);
    await sleep(50);
    expect(await harness.store.get(job.id)).toMatchObject({ status: 'running', leaseOwner: 'other', results: [] });
    expect(events.filter((e) => e.type === 'finished')).toEqual([]);
  });
});
