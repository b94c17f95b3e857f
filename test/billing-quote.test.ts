import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES } from '../src/billing/default-prices.js';
import { chargeFor, quoteAt, unitPrice } from '../src/billing/quote.js';
import { findModel, listModels } from '../src/catalog/index.js';
import type { GenerationRequest } from '../src/intent/types.js';

const request = (over: Partial<GenerationRequest>): GenerationRequest => ({
  model: 'gpt-image-1',
  kind: 'image',
  prompt: 'p',
  references: [],
  aspectRatio: '1:1',
  width: 1024,
  height: 1024,
  n: 1,
  format: 'png',
  language: 'en',
  adjustments: [],
  ...over,
});

describe('prices, quotes and charges', () => {
  it('has an integer default price for every catalog model, of the unit its kind is billed in', () => {
    for (const model of listModels()) {
      const price = DEFAULT_PRICES[model.id];
      expect(price, model.id).toBeDefined();
      const base = model.kind === 'video' ? price.perSecond : price.perImage;
      expect(Number.isSafeInteger(base), model.id).toBe(true);
    }
  });

  it('takes the first rule that matches quality and size, and the base price otherwise', () => {
    const price = DEFAULT_PRICES['gpt-image-1'];
    expect(unitPrice(price, request({ quality: 'high' }))).toBe(167_000);
    expect(unitPrice(price, request({ quality: 'high', width: 1536, height: 1024 }))).toBe(250_000);
    expect(unitPrice(price, request({ quality: 'low' }))).toBe(11_000);
    expect(unitPrice(price, request({}))).toBe(42_000);
    expect(unitPrice(price, request({ width: 1024, height: 1536 }))).toBe(63_000);
    expect(unitPrice({ rules: [] }, request({}))).toBeUndefined();
  });

  it('quotes n images, or n videos of their seconds, as integers', () => {
    expect(quoteAt(42_000, request({ n: 3 }))).toEqual({
      unit: 'image',
      unitPrice: 42_000,
      outputs: 3,
      unitsPerOutput: 1,
      amount: 126_000,
    });
    const video = request({ model: 'sora-2', kind: 'video', seconds: 8, n: 2, format: 'mp4' });
    expect(quoteAt(100_000, video)).toMatchObject({ unit: 'second', outputs: 2, unitsPerOutput: 8, amount: 1_600_000 });
    expect(findModel('sora-2')?.kind).toBe('video');
  });

  it('charges what was delivered: one of two images, a shorter video, never more than the quote', () => {
    const images = quoteAt(42_000, request({ n: 2 }));
    expect(chargeFor(images, [{}])).toEqual({ units: 1, amount: 42_000 });
    expect(chargeFor(images, [])).toEqual({ units: 0, amount: 0 });
    expect(chargeFor(images, [{}, {}, {}])).toEqual({ units: 2, amount: 84_000 });

    const video = quoteAt(100_000, request({ kind: 'video', seconds: 10, format: 'mp4' }));
    expect(chargeFor(video, [{ seconds: 8.04 }])).toEqual({ units: 8, amount: 800_000 });
    expect(chargeFor(video, [{ seconds: 12 }])).toEqual({ units: 10, amount: 1_000_000 });
    // A result whose length is unknown is charged as quoted.
    expect(chargeFor(video, [{}])).toEqual({ units: 10, amount: 1_000_000 });
  });
});
