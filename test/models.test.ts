import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseLabel } from './helpers/database.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';

const SEED_MODELS = [
  'sora-2',
  'sora_video2',
  'gpt-image-1',
  'gpt-4o-image',
  'sora_image',
  'flux-kontext-pro',
  'flux-kontext-dev',
  'flux',
  'nano-banana',
  'nano-banana-hd',
  'dall-e-3',
  'recraftv3',
  'qwen-image',
  'doubao-seedream-4-0-250828',
  'doubao-seededit-3-0-i2i-250628',
  'doubao-seedream-3-0-t2i-250415',
];

describe(`models endpoints (${databaseLabel})`, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  it('lists every seed model in OpenAI list shape', async () => {
    const page = await gw.client.models.list();
    const ids = page.data.map((m) => m.id);
    for (const id of SEED_MODELS) expect(ids).toContain(id);
    for (const model of page.data) {
      expect(model.object).toBe('model');
      expect(typeof model.created).toBe('number');
      expect(model.owned_by.length).toBeGreaterThan(0);
    }
  });

  it('retrieves one model with its capabilities', async () => {
    const model = (await gw.client.models.retrieve('sora-2')) as unknown as {
      id: string;
      mediagate: { kind: string; durations: { max: number } };
    };
    expect(model.id).toBe('sora-2');
    expect(model.mediagate.kind).toBe('video');
    expect(model.mediagate.durations.max).toBe(15);
  });

  it('404s for an unknown model', async () => {
    const err = await gw.client.models.retrieve('no-such-model').catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe('model_not_found');
  });
});
