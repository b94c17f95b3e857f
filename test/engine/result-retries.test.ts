import { afterEach, describe, expect, it } from 'vitest';
import { DownloadRetry } from '../../src/jobs/download-retry.js';
import type { OperationStatus } from '../../src/providers/types.js';
import { databaseLabel } from '../helpers/database.js';
import { FakeProvider, succeededWithBytes } from './fake-provider.js';
import { Channel, channelSettings, EngineHarness } from './harness.js';

/** A link nothing listens on: the download fails the way a reset does, at once. */
const unreachable: OperationStatus = {
  state: 'succeeded',
  outputs: [{ kind: 'video', contentType: 'video/mp4', source: { type: 'url', url: 'http://127.0.0.1:1/result.mp4' } }],
};

describe('result download retries', () => {
  it('wait longer after each failure in a row, up to 30 s, within the time allowed from the first failure', () => {
    const retry = new DownloadRetry({ resultRetryMs: 60_000, resultRetryBackoffMs: 1_000 });
    const t0 = 1_000_000;
    expect([
      retry.failed(t0),
      retry.failed(t0 + 1_000),
      retry.failed(t0 + 3_000),
      retry.failed(t0 + 7_000),
      retry.failed(t0 + 15_000),
    ]).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(retry.failed(t0 + 31_000)).toBe(29_000);
    expect(retry.failed(t0 + 60_000)).toBeUndefined();
  });

  it('try last at the end of the time allowed, then give up', () => {
    const retry = new DownloadRetry({ resultRetryMs: 10_000, resultRetryBackoffMs: 1_000 });
    expect(retry.failed(0)).toBe(1_000);
    expect(retry.failed(1_000)).toBe(2_000);
    expect(retry.failed(3_000)).toBe(4_000);
    expect(retry.failed(7_000)).toBe(3_000);
    expect(retry.failed(10_000)).toBeUndefined();
    expect(retry.consecutiveFailures).toBe(5);
  });
});

describe(`engine: a finished task's result (${databaseLabel})`, () => {
  let harness: EngineHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('is fetched again after failed downloads, and the job succeeds with one submission', async () => {
    const provider = new FakeProvider();
    provider.onStatus = async (_op, call) => (call <= 4 ? unreachable : succeededWithBytes());
    harness = await EngineHarness.open([new Channel(channelSettings('main'), provider)]);
    const runner = harness.runner('one', { resultRetryMs: 60_000, resultRetryBackoffMs: 5 });
    runner.start();
    const job = await runner.submit(harness.newJob());
    expect(await harness.terminal(job.id)).toMatchObject({ status: 'succeeded', statusCalls: 5 });
    expect(provider.starts).toHaveLength(1);
    expect(
      harness.log.entries.filter((e) => e.msg === 'result download failed; will retry').map((e) => e.details.failures),
    ).toEqual([1, 2, 3, 4]);
  });

  it('fails with the last download error once the time allowed is spent', async () => {
    const provider = new FakeProvider();
    provider.onStatus = async () => unreachable;
    harness = await EngineHarness.open([new Channel(channelSettings('main'), provider)]);
    const runner = harness.runner('one', { resultRetryMs: 300, resultRetryBackoffMs: 100 });
    runner.start();
    const job = await runner.submit(harness.newJob());
    expect(await harness.terminal(job.id)).toMatchObject({
      status: 'failed',
      error: { code: 'result_download_failed', message: 'The result could not be downloaded from the upstream.' },
    });
    // Tries at 0, 100 and 300 ms (the second wait cut short to end with the time allowed).
    expect(provider.statusCalls).toHaveLength(3);
  });
});
