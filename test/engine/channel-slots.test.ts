import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/providers/errors.js';
import { databaseLabel } from '../helpers/database.js';
import { FakeProvider, heldTask } from './fake-provider.js';
import { Channel, channelSettings, EngineHarness, eventually, sleep } from './harness.js';

/**
 * A channel's slot belongs to the job while its task may exist upstream, whichever instance runs
 * it: it outlives the instance that took it, and it moves with the job on a failover.
 */
describe(`engine: channel slots shared through the database (${databaseLabel})`, () => {
  let harness: EngineHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('a task left running by a stopped instance keeps its slot: the next instance starts no other job until it ends', async () => {
    const provider = new FakeProvider();
    const task = heldTask();
    provider.onStatus = task.onStatus;
    harness = await EngineHarness.open([new Channel(channelSettings('narrow', { concurrency: 1 }), provider)]);
    const first = harness.runner('first');
    first.start();
    const running = await first.submit(harness.newJob());
    await eventually(async () => (await harness!.store.get(running.id))?.operation !== null);
    // The instance goes away with the task still running upstream (the row a crash leaves is the same).
    await first.stop();

    const next = harness.runner('next');
    next.start();
    const polledBefore = provider.statusCalls.length;
    const waiting = await next.submit(harness.newJob());
    // The next instance adopts the running task and polls it; the new job waits for its slot.
    await eventually(() => provider.statusCalls.length > polledBefore + 2);
    await sleep(200);
    expect(provider.starts).toHaveLength(1);
    expect((await harness.store.get(waiting.id))?.status).toBe('queued');

    task.finish();
    expect((await harness.terminal(running.id)).status).toBe('succeeded');
    expect((await harness.terminal(waiting.id)).status).toBe('succeeded');
    expect(provider.starts).toHaveLength(2);
  });

  it('a job that failed over frees its slot on the channel that did not accept it', async () => {
    const main = new FakeProvider();
    const backup = new FakeProvider();
    const backupTask = heldTask();
    backup.onStatus = backupTask.onStatus;
    main.onStart = async () => {
      throw new UpstreamError('not_accepted', { code: 'upstream_error', message: 'Fake: overloaded' }, { status: 503 });
    };
    harness = await EngineHarness.open([
      new Channel(channelSettings('main', { priority: 10, concurrency: 1 }), main),
      new Channel(channelSettings('backup', { concurrency: 1 }), backup),
    ]);
    const runner = harness.runner('one', { submitAttempts: 1 });
    runner.start();
    const movedOver = await runner.submit(harness.newJob({ channel: 'main' }));
    await eventually(async () => (await harness!.store.get(movedOver.id))?.channel === 'backup');
    await eventually(() => backup.starts.length === 1);

    main.onStart = new FakeProvider().onStart;
    const next = await runner.submit(harness.newJob({ channel: 'main' }));
    // Main's slot is free although the first job still runs (on backup).
    expect((await harness.terminal(next.id)).status).toBe('succeeded');
    expect((await harness.store.get(movedOver.id))?.status).toBe('running');
    backupTask.finish();
    expect((await harness.terminal(movedOver.id)).status).toBe('succeeded');
  });
});
