import { afterEach, describe, expect, it, vi } from 'vitest';
import { UpstreamError } from '../../src/providers/errors.js';
import { databaseLabel } from '../helpers/database.js';
import { FakeProvider } from './fake-provider.js';
import { Channel, channelSettings, EngineHarness, videoRequest } from './harness.js';

/** How the engine submits: once per attempt the upstream could have accepted, on a channel it holds for the job's life. */
describe(`engine: submission (${databaseLabel})`, () => {
  let harness: EngineHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('does not repeat an ambiguous submission, on this channel or another', async () => {
    const main = new FakeProvider();
    const backup = new FakeProvider();
    main.onStart = async () => {
      throw new UpstreamError('ambiguous', {
        code: 'upstream_bad_response',
        message: "Fake's answer broke off before it was complete.",
      });
    };
    const channels = [
      new Channel(channelSettings('main', { priority: 10 }), main),
      new Channel(channelSettings('backup'), backup),
    ];
    harness = await EngineHarness.open(channels);
    const runner = harness.runner('one', { submitAttempts: 3 });
    runner.start();
    const job = await runner.submit(harness.newJob());
    expect(await harness.terminal(job.id)).toMatchObject({
      status: 'failed',
      submitAttempts: 1,
      channel: 'main',
      operation: null,
      error: { code: 'upstream_bad_response', message: "Fake's answer broke off before it was complete." },
    });
    expect(main.starts).toHaveLength(1);
    expect(backup.starts).toHaveLength(0);
    expect(channels.map((c) => c.running)).toEqual([0, 0]);
  });

  it('on failover, fits the original request to the new channel and records it on the job', async () => {
    const main = new FakeProvider();
    const backup = new FakeProvider();
    main.adaptNote = 'main';
    backup.adaptNote = 'backup';
    main.onStart = async () => {
      throw new UpstreamError('not_accepted', { code: 'upstream_error', message: 'Fake: overloaded' }, { status: 503 });
    };
    const channels = [
      new Channel(channelSettings('main', { priority: 10 }), main),
      new Channel(channelSettings('backup'), backup),
    ];
    harness = await EngineHarness.open(channels);
    const original = videoRequest({
      adjustments: [{ kind: 'text', text: 'Catalog: 20 s is more than sora-2 makes; using 12 s.' }],
      seconds: 12,
    });
    const fittedToMain = main.adapt(original, 'main-model');
    const runner = harness.runner('one', { submitAttempts: 2 });
    runner.start();
    const job = await runner.submit(
      harness.newJob({ request: fittedToMain, originalRequest: original, channel: 'main' }),
    );
    const done = await harness.terminal(job.id);

    const fittedToBackup = {
      ...original,
      seconds: 4,
      adjustments: [
        { kind: 'text', text: 'Catalog: 20 s is more than sora-2 makes; using 12 s.' },
        { kind: 'text', text: 'backup: backup-model makes 4 s.' },
      ],
    };
    expect(main.starts.map((s) => s.request)).toEqual([fittedToMain, fittedToMain]);
    expect(backup.starts).toEqual([
      { request: fittedToBackup, authorization: 'Bearer sk-backup-key', upstreamModel: 'backup-model' },
    ]);
    expect(done).toMatchObject({
      status: 'succeeded',
      channel: 'backup',
      submitAttempts: 3,
      request: fittedToBackup,
      originalRequest: original,
    });
    expect(channels.map((c) => c.running)).toEqual([0, 0]);
  });

  it('keeps the channel the request was fitted to when it accepts the job', async () => {
    const main = new FakeProvider();
    main.adaptNote = 'main';
    const channel = new Channel(channelSettings('main'), main);
    harness = await EngineHarness.open([channel]);
    const original = videoRequest();
    const fitted = main.adapt(original, 'main-model');
    const runner = harness.runner('one');
    runner.start();
    const job = await runner.submit(harness.newJob({ request: fitted, originalRequest: original }));
    expect(await harness.terminal(job.id)).toMatchObject({ status: 'succeeded', channel: 'main', request: fitted });
    expect(main.starts.map((s) => s.request)).toEqual([fitted]);
  });

  it('fails a job whose provider throws unexpectedly in start, once, and frees the channel', async () => {
    const provider = new FakeProvider();
    provider.onStart = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    };
    const channel = new Channel(channelSettings('main'), provider);
    harness = await EngineHarness.open([channel]);
    const runner = harness.runner('one');
    runner.start();
    const job = await runner.submit(harness.newJob());
    expect(await harness.terminal(job.id)).toMatchObject({
      status: 'failed',
      submitAttempts: 1,
      error: { code: 'internal_error', message: 'The job stopped because of an internal error in the gateway.' },
    });
    expect(provider.starts).toHaveLength(1);
    // The slot and the lease are freed once the driver returns, a moment after the finished event
    // (the channel's first: under load the two are observed at different ticks).
    await vi.waitFor(() => {
      expect(channel.running).toBe(0);
      expect(runner.activeCount).toBe(0);
    });
  });

  it('holds the channel slot from submission to the end of the job, and only then lets the next job start', async () => {
    const provider = new FakeProvider();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    provider.onStatus = async (_op, call) => {
      if (call === 1) await held;
      return {
        state: 'succeeded',
        outputs: [{ kind: 'video', contentType: 'video/mp4', source: { type: 'bytes', data: Buffer.from('x') } }],
      };
    };
    const channel = new Channel(channelSettings('narrow', { concurrency: 1 }), provider);
    harness = await EngineHarness.open([channel]);
    const runner = harness.runner('one');
    runner.start();
    const first = await runner.submit(harness.newJob());
    const second = await runner.submit(harness.newJob());
    // Taking a slot is a database transaction (the limit holds across instances): wait for the first.
    await vi.waitFor(() => expect(provider.starts).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(channel.running).toBe(1);
    expect(provider.starts).toHaveLength(1);
    expect((await harness.store.get(second.id))!.status).toBe('queued');
    release();
    expect((await harness.terminal(first.id)).status).toBe('succeeded');
    expect((await harness.terminal(second.id)).status).toBe('succeeded');
    expect(provider.starts).toHaveLength(2);
    // The slot is freed once the driver returns, a moment after the finished event.
    await vi.waitFor(() => expect(channel.running).toBe(0));
  });
});
