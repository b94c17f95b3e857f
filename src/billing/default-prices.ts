import type { ModelPrice } from './config-billing.js';

/**
 * The embedded price list, in credits (1 credit = $0.000001): the upstreams' public list prices at
 * the time of writing, rounded. Operators override any of it in the config (`billing.prices`) or at
 * run time through the admin API; a catalog model missing here would be unpriced.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  'sora-2': { perSecond: 100_000, rules: [] },
  sora_video2: { perSecond: 100_000, rules: [] },
  'veo-3.1': { perSecond: 400_000, rules: [] },
  'veo-3.1-fast': { perSecond: 150_000, rules: [] },
  'doubao-seedance-1-0-pro': { perSecond: 50_000, rules: [{ resolution: '1080p', perSecond: 100_000 }] },
  'wan2.5': { perSecond: 100_000, rules: [{ resolution: '1080p', perSecond: 150_000 }] },
  'kling-v2-1': { perSecond: 70_000, rules: [] },
  // OpenAI prices gpt-image-1 by quality and size; "auto" and unspecified quality bill as medium.
  'gpt-image-1': {
    perImage: 42_000,
    rules: [
      { quality: 'low', size: '1024x1024', perImage: 11_000 },
      { quality: 'low', perImage: 16_000 },
      { quality: 'high', size: '1024x1024', perImage: 167_000 },
      { quality: 'high', perImage: 250_000 },
      { size: '1024x1024', perImage: 42_000 },
      { perImage: 63_000, size: '1536x1024' },
      { perImage: 63_000, size: '1024x1536' },
    ],
  },
  'gpt-4o-image': { perImage: 40_000, rules: [] },
  sora_image: { perImage: 40_000, rules: [] },
  'dall-e-3': {
    perImage: 40_000,
    rules: [
      { quality: 'hd', size: '1024x1024', perImage: 80_000 },
      { quality: 'hd', perImage: 120_000 },
      { size: '1792x1024', perImage: 80_000 },
      { size: '1024x1792', perImage: 80_000 },
    ],
  },
  'flux-kontext-pro': { perImage: 40_000, rules: [] },
  'flux-kontext-max': { perImage: 80_000, rules: [] },
  'flux-kontext-dev': { perImage: 25_000, rules: [] },
  flux: { perImage: 40_000, rules: [] },
  'flux-pro-1.1': { perImage: 40_000, rules: [] },
  'flux-dev': { perImage: 25_000, rules: [] },
  'nano-banana': { perImage: 39_000, rules: [] },
  'nano-banana-hd': { perImage: 134_000, rules: [] },
  recraftv3: { perImage: 40_000, rules: [] },
  'qwen-image': { perImage: 35_000, rules: [] },
  'qwen-image-edit': { perImage: 40_000, rules: [] },
  'doubao-seedream-4-0-250828': { perImage: 30_000, rules: [] },
  'doubao-seededit-3-0-i2i-250628': { perImage: 30_000, rules: [] },
  'doubao-seedream-3-0-t2i-250415': { perImage: 30_000, rules: [] },
};
