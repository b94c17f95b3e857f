import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { GenerationError } from '../src/errors/generation-error.js';
import { GenerationPipeline, type GenerationOrder } from '../src/generation/pipeline.js';
import type { JobEngine } from '../src/generation/submit-prepared.js';
import type { JobRecord, NewJob } from '../src/jobs/types.js';
import { allowEverything, type Moderator } from '../src/moderation/types.js';
import { buildChannels } from '../src/providers/build-channels.js';
import { ChannelRegistry } from '../src/providers/registry.js';
import { SandboxProvider } from '../src/providers/sandbox/index.js';
import type { NormalisedError } from '../src/providers/types.js';
import { LocalMediaStore } from '../src/storage/index.js';

/** Stands in for the job engine: records what it was handed and keeps the rows the pipeline looks up. */
class RecordingEngine implements JobEngine {
  readonly submitted: { job: NewJob; rejection?: NormalisedError }[] = [];
  readonly rows: JobRecord[] = [];

  isFollowed(): boolean {
    return false;
  }

  async submit(job: NewJob, rejection?: NormalisedError): Promise<JobRecord> {
    this.submitted.push({ job, ...(rejection && { rejection }) });
    const row: JobRecord = {
      ...job,
      channel: job.channel,
      status: rejection ? 'failed' : 'queued',
      progress: 0,
      operation: null,
      submittedAt: null,
      results: [],
      usage: null,
      error: rejection ?? null,
      leaseOwner: null,
      leaseExpiresAt: null,
      statusCalls: 0,
      channelKey: null,
      submitAttempts: 0,
      updatedAt: job.createdAt,
      completedAt: null,
      originalRequest: job.originalRequest ?? null,
    };
    this.rows.push(row);
    return row;
  }
}

let dataDir: string;
let engine: RecordingEngine;
let moderator: Moderator;
let pipeline: GenerationPipeline;

async function thrownBy(work: Promise<unknown>): Promise<GenerationError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GenerationError);
  return err as GenerationError;
}

const order = (over: Partial<GenerationOrder> = {}): GenerationOrder => ({
  apiKeyId: 'key_1',
  input: { model: 'gpt-image-1', text: 'a red fox --ar 16:9', references: [], explicit: {} },
  ...over,
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mediagate-pipeline-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  const config = loadConfig({ MEDIAGATE_DATA_DIR: dataDir });
  const sandbox = () =>
    new SandboxProvider({ dataDir, imageLatencyMs: 0, videoLatencyMs: 0, pollMs: 10, ffmpegPath: config.ffmpegPath });
  engine = new RecordingEngine();
  moderator = { ...allowEverything };
  let ids = 0;
  pipeline = new GenerationPipeline({
    channels: new ChannelRegistry(buildChannels(config, sandbox)),
    media: new LocalMediaStore(join(dataDir, 'media')),
    references: config.references,
    moderator: {
      checkRequest: (spec, request) => moderator.checkRequest(spec, request),
      reviewResults: async () => null,
    },
    jobs: {
      findByIdempotencyKey: async (apiKeyId, key) =>
        engine.rows.find((r) => r.apiKeyId === apiKeyId && r.idempotencyKey === key) ?? null,
      findNewestByFingerprint: async () => null,
      claimHandedOff: async () => false,
      get: async (id) => engine.rows.find((r) => r.id === id) ?? null,
    },
    repeats: { retryWindowMs: 0, failureReplayMs: 0 },
    engine,
    newJobId: () => `job_${++ids}`,
  });
});

describe('the generation pipeline, without HTTP', () => {
  it('hands the engine one resolved job on the routed channel', async () => {
    const { job, replayed } = await pipeline.create(order({ webhookUrl: 'https://example.com/hook' }));
    expect(replayed).toBe(false);
    expect(engine.submitted).toHaveLength(1);
    const [{ job: handed, rejection }] = engine.submitted;
    expect(rejection).toBeUndefined();
    expect(handed).toMatchObject({
      id: 'job_1',
      apiKeyId: 'key_1',
      model: 'gpt-image-1',
      kind: 'image',
      channel: 'sandbox',
      webhookUrl: 'https://example.com/hook',
    });
    // gpt-image-1 has no 16:9 size: the directive is read, then snapped to the model's nearest.
    expect(handed.request).toMatchObject({
      prompt: 'a red fox',
      aspectRatio: '3:2',
      kind: 'image',
      adjustments: [{ kind: 'ratio_snapped', model: 'gpt-image-1', asked: '16:9', used: '3:2' }],
    });
    // The request before fitting goes with the job, for a failover to fit again.
    expect(handed.originalRequest).toMatchObject({ prompt: 'a red fox', aspectRatio: '3:2' });
    expect(job.id).toBe('job_1');
  });

  it('creates one job per Idempotency-Key: a retry gets it back, another request with the key is refused', async () => {
    const idempotency = { key: 'k1', fingerprint: 'f1' };
    const first = await pipeline.create(order({ idempotency }));
    const retry = await pipeline.create(order({ idempotency }));
    expect(retry).toEqual({ job: first.job, replayed: true });
    expect(first.job).toMatchObject({ idempotencyKey: 'k1', idempotencyFingerprint: 'f1' });
    const conflict = await thrownBy(pipeline.create(order({ idempotency: { key: 'k1', fingerprint: 'f2' } })));
    expect(conflict).toMatchObject({ code: 'idempotency_key_reused', param: 'Idempotency-Key' });
    expect(engine.submitted).toHaveLength(1);
  });

  it('refuses an unknown model, or a model of the other kind, before anything is submitted', async () => {
    const unknown = await thrownBy(
      pipeline.create(order({ input: { model: 'nope-1', text: 'x', references: [], explicit: {} } })),
    );
    expect(unknown).toMatchObject({ code: 'model_not_found', param: 'model' });
    const image = await thrownBy(
      pipeline.create(
        order({ input: { model: 'gpt-image-1', text: 'x', references: [], explicit: {}, kind: 'video' } }),
      ),
    );
    expect(image).toMatchObject({
      code: 'model_not_video',
      param: 'model',
      message:
        'gpt-image-1 makes images, not videos: use POST /v1/images/generations, or a video model such as sora-2.',
    });
    expect(engine.submitted).toHaveLength(0);
  });

  it('records a request the gateway review refuses as a rejected job', async () => {
    moderator.checkRequest = async () => ({ stage: 'prompt', category: 'violence', message: 'Refused.' });
    const { job } = await pipeline.create(order());
    expect(engine.submitted).toEqual([
      {
        job: expect.objectContaining({ id: job.id }),
        rejection: { code: 'content_policy_violation', message: 'Refused.', stage: 'prompt', category: 'violence' },
      },
    ]);
  });

  it('stores an edit mask the size of the first image, and refuses one that is not a PNG', async () => {
    const png = await sharp({ create: { width: 32, height: 24, channels: 4, background: '#f00' } })
      .png()
      .toBuffer();
    const jpeg = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#0f0' } })
      .jpeg()
      .toBuffer();
    const edit = (mask: Buffer) =>
      order({
        input: {
          model: 'gpt-image-1',
          text: 'make it blue',
          references: [{ data: png, param: 'image[0]' }],
          explicit: {},
          kind: 'image',
        },
        mask: { data: mask, param: 'mask' },
        background: 'transparent',
      });
    const refused = await thrownBy(pipeline.create(edit(jpeg)));
    expect(refused).toMatchObject({
      code: 'invalid_image',
      param: 'mask',
      message: 'mask must be a PNG image (its transparent pixels mark the area to edit).',
    });
    expect(engine.submitted).toHaveLength(0);
    await pipeline.create(edit(png));
    expect(engine.submitted[0].job.request).toMatchObject({
      background: 'transparent',
      mask: { contentType: 'image/png', width: 32, height: 24 },
    });
  });
});
