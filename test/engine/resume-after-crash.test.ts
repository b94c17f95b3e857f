import { afterEach, describe, expect, it, vi } from 'vitest';
import { completedStatus } from '../../src/providers/completed-operation.js';
import { databaseLabel } from '../helpers/database.js';
import { completedOperation, FakeProvider, heldTask, RESULT_BYTES } from './fake-provider.js';
import { Channel, channelSettings, EngineHarness, eventually } from './harness.js';

const KEY_ID = (name: string) => new Channel(channelSettings(name), new FakeProvider()).keys.states[0].id;

/**
 * A crash at each stage of a job, simulated by building the row a dead instance left behind (or by
 * stopping one runner and starting another on the same database): the next runner finishes the job
 * and never submits again what the upstream may have accepted.
 */
describe(`engine: resume after a crash (${databaseLabel})`, () => {
  let harness: EngineHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function open(provider = new FakeProvider()) {
    const channel = new Channel(channelSettings('main'), provider);
    harness = await EngineHarness.open([channel]);
    return { h: harness, provider, channel };
  }

  /** A job whose owner died: its lease ran out a moment ago. */
  const orphanedLease = () => ({ leaseOwner: 'dead-instance', leaseExpiresAt: Date.now() + 60_000 });

  it('before submission: the job is submitted once and finishes', async () => {
    const { h, provider, channel } = await open();
    const job = await h.store.create({ ...h.newJob(), ...orphanedLease() });
    await h.giveLeaseTo(job.id, 'dead-instance', Date.now() - 1);
    h.runner('next').start();
    const done = await h.terminal(job.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      submitAttempts: 1,
      channel: 'main',
      channelKey: KEY_ID('main'),
      leaseOwner: null,
      error: null,
    });
    expect(done.results).toEqual([
      { key: expect.stringMatching(/\.mp4$/), contentType: 'video/mp4', bytes: RESULT_BYTES.length, seconds: 2 },
    ]);
    expect(await h.media.read(done.results[0].key)).toEqual(RESULT_BYTES);
    expect(provider.starts).toHaveLength(1);
    expect(provider.starts[0].authorization).toBe('Bearer sk-main-key');
    // The slot is freed once the driver returns, a moment after the finished event.
    await vi.waitFor(() => expect(channel.running).toBe(0));
  });

  it('after submission but before the operation was recorded: the job fails and is not submitted again', async () => {
    const { h, provider, channel } = await open();
    const job = await h.store.create({ ...h.newJob(), ...orphanedLease() });
    expect(await h.store.markSubmitting(job.id, 'dead-instance', 'main', KEY_ID('main'), Date.now())).toBe(true);
    await h.giveLeaseTo(job.id, 'dead-instance', Date.now() - 1);
    h.runner('next').start();
    const done = await h.terminal(job.id);
    expect(done).toMatchObject({
      status: 'failed',
      submitAttempts: 1,
      operation: null,
      error: {
        code: 'interrupted_submission',
        message:
          'The gateway restarted while submitting this job, so it was not resubmitted to avoid a duplicate charge. Please retry.',
      },
    });
    expect(provider.starts).toHaveLength(0);
    // The slot is freed once the driver returns, a moment after the finished event.
    await vi.waitFor(() => expect(channel.running).toBe(0));
  });

  it('after submission but before the operation was recorded, on an upstream where a repeat costs nothing: submitted again', async () => {
    const provider = new FakeProvider();
    provider.idempotentStart = true;
    const { h } = await open(provider);
    const job = await h.store.create({ ...h.newJob(), ...orphanedLease() });
    await h.store.markSubmitting(job.id, 'dead-instance', 'main', KEY_ID('main'), Date.now());
    await h.giveLeaseTo(job.id, 'dead-instance', Date.now() - 1);
    h.runner('next').start();
    expect(await h.terminal(job.id)).toMatchObject({ status: 'succeeded', submitAttempts: 2 });
    expect(provider.starts).toHaveLength(1);
  });

  it('while polling: the next instance takes over once the lease expires and polls the same task', async () => {
    const task = heldTask();
    const provider = new FakeProvider();
    provider.onStatus = task.onStatus;
    const { h, channel } = await open(provider);
    const first = h.runner('first');
    first.start();
    const job = await first.submit(h.newJob());
    await eventually(() => provider.statusCalls.length >= 2);
    // The first instance dies: it stops, and its lease stays as it was until it runs out.
    await first.stop();
    await h.giveLeaseTo(job.id, 'first', Date.now() + 300);
    const polledByFirst = provider.statusCalls.length;
    // The slot is freed once the driver returns, a moment after the finished event.
    await vi.waitFor(() => expect(channel.running).toBe(0));

    h.runner('second').start();
    await eventually(() => provider.statusCalls.length > polledByFirst + 1);
    task.finish();
    const done = await h.terminal(job.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      submitAttempts: 1,
      operation: { id: 'task_1' },
      channelKey: KEY_ID('main'),
    });
    expect(provider.starts).toHaveLength(1);
    expect(new Set(provider.statusCalls.map((op) => op.id))).toEqual(new Set(['task_1']));
    // The slot is freed once the driver returns, a moment after the finished event.
    await vi.waitFor(() => expect(channel.running).toBe(0));
  });

  it('after the outputs were stored but before the row was finished: finished from the stored outputs, even past the deadline', async () => {
    const provider = new FakeProvider();
    provider.onStatus = async (operation) => completedStatus(operation)!;
    const { h } = await open(provider);
    const stored = await h.media.put(RESULT_BYTES, 'video/mp4');
    const job = await h.store.create({ ...h.newJob({ createdAt: Date.now() - 40 * 60_000 }), ...orphanedLease() });
    await h.store.markSubmitting(job.id, 'dead-instance', 'main', KEY_ID('main'), Date.now());
    await h.store.saveOperation(
      job.id,
      completedOperation([{ kind: 'video', contentType: 'video/mp4', source: { type: 'stored', key: stored.key } }]),
      Date.now(),
    );
    await h.giveLeaseTo(job.id, 'dead-instance', Date.now() - 1);
    h.runner('next').start();
    const done = await h.terminal(job.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      submitAttempts: 1,
      results: [{ key: stored.key, contentType: 'video/mp4', bytes: RESULT_BYTES.length }],
    });
    expect(provider.starts).toHaveLength(0);
  });
});
