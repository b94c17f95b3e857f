import { describe, expect, it, vi } from 'vitest';
import { completed, operationStatus, pending, storedOperation } from '../src/providers/completed-operation.js';
import { UpstreamError } from '../src/providers/errors.js';
import type { GenerationRequest } from '../src/intent/types.js';
import type { Provider, ProviderContext, ProviderOutput } from '../src/providers/types.js';

const request = {
  model: 'm',
  kind: 'image',
  prompt: 'p',
  references: [],
  aspectRatio: '1:1',
  width: 8,
  height: 8,
  n: 1,
  format: 'png',
  language: 'en',
  adjustments: [],
} as GenerationRequest;
const ctx = {} as ProviderContext;
const output: ProviderOutput = {
  kind: 'image',
  contentType: 'image/png',
  source: { type: 'stored', key: 'ab/c.png', bytes: 3 },
};
const usage = { input_tokens: 1, output_tokens: 2, total_tokens: 3 };

describe('start results', () => {
  it('stores a completed start as its outputs, in the shape earlier versions stored, and answers it without asking the upstream', async () => {
    const stored = storedOperation(completed([output], usage));
    expect(stored).toEqual({ completed: true, outputs: [output], usage });
    // What the database gives back after a restart.
    const resumed = JSON.parse(JSON.stringify(stored));
    const status = vi.fn();
    const provider = { label: 'Sync', status } as unknown as Provider;
    expect(await operationStatus(provider, resumed, request, ctx)).toEqual({
      state: 'succeeded',
      outputs: [output],
      usage,
    });
    expect(status).not.toHaveBeenCalled();
  });

  it('stores a pending start as the operation itself and asks the provider about it', async () => {
    const operation = { id: 'task_1', seconds: 4 };
    expect(storedOperation(pending(operation))).toBe(operation);
    const status = vi.fn(async () => ({ state: 'running' as const, progress: 10 }));
    const provider = { label: 'Async', status } as unknown as Provider;
    expect(await operationStatus(provider, operation, request, ctx)).toEqual({ state: 'running', progress: 10 });
    expect(status).toHaveBeenCalledWith(operation, request, ctx);
  });

  it('fails, as an internal error, a task stored for a provider that only finishes inside start', async () => {
    const provider = { label: 'Recraft' } as unknown as Provider;
    const failure = await operationStatus(provider, { id: 'x' }, request, ctx).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect(failure).toMatchObject({
      failure: 'rejected',
      normalised: { code: 'internal_error', message: 'A Recraft job has no stored result.' },
    });
  });
});

describe('stored operations', () => {
  it('parses an adapter operation read back from the database, and refuses one that does not match with an internal error', async () => {
    const { readOperation } = await import('../src/providers/operation.js');
    const { klingOperationSchema } = await import('../src/providers/kling/response.js');
    const stored = { id: 'task_1', endpoint: 'image2video', seconds: 5, withReference: true };
    expect(readOperation(klingOperationSchema, JSON.parse(JSON.stringify(stored)), 'Kling')).toEqual(stored);
    const failure = (() => {
      try {
        return readOperation(
          klingOperationSchema,
          { id: 'task_1', endpoint: 'video', seconds: 5, withReference: true },
          'Kling',
        );
      } catch (err) {
        return err;
      }
    })();
    expect(failure).toBeInstanceOf(UpstreamError);
    expect(failure).toMatchObject({ failure: 'rejected', normalised: { code: 'internal_error' } });
    expect((failure as UpstreamError).normalised.message).toMatch(
      /^A Kling job has an operation this gateway cannot read \(endpoint: .+\)\.$/,
    );
  });

  it('keeps the defaults an older Seedance operation relied on, but not a missing task id', async () => {
    const { readOperation } = await import('../src/providers/operation.js');
    const { seedanceOperationSchema } = await import('../src/providers/ark/seedance-task.js');
    expect(readOperation(seedanceOperationSchema, { taskId: 'cgt-1', submittedAt: 5 }, 'Volcengine Ark')).toEqual({
      taskId: 'cgt-1',
      submittedAt: 5,
      typicalMs: 60_000,
      seconds: 5,
      width: 1280,
      height: 720,
    });
    expect(() => readOperation(seedanceOperationSchema, { submittedAt: 5 }, 'Volcengine Ark')).toThrow(
      /^A Volcengine Ark job has an operation this gateway cannot read \(taskId: /,
    );
  });

  it('refuses a stored completed start whose outputs are not outputs', async () => {
    const provider = { label: 'Recraft' } as unknown as Provider;
    const failure = await operationStatus(
      provider,
      { completed: true, outputs: [{ kind: 'image' }] },
      request,
      ctx,
    ).catch((err: unknown) => err);
    expect(failure).toMatchObject({ failure: 'rejected', normalised: { code: 'internal_error' } });
  });
});
