import { z } from 'zod';
import { flagOption, parseChannelOptions } from '../channel-options.js';

export type WanResolution = '480P' | '720P' | '1080P';

/** "1080p", "720P", "4k" → a Wan tier; undefined for words that are not resolutions. */
export function wanResolution(value: unknown): WanResolution | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  const k = /^(\d)k$/.exec(v);
  const lines = k ? Number(k[1]) * 540 : Number(/^(\d{3,4})p?$/.exec(v)?.[1]);
  if (!Number.isFinite(lines) || lines <= 0) return undefined;
  if (lines >= 1080) return '1080P';
  return lines >= 720 ? '720P' : '480P';
}

/** Channel `options` this protocol reads (documented in index.ts), checked once when the channel is built. */
const dashScopeOptionsSchema = z.object({
  /** `parameters.prompt_extend`: let DashScope rewrite the prompt. */
  promptExtend: flagOption(true),
  /** `parameters.watermark`. */
  watermark: flagOption(false),
  /** Upstream model for image-to-video; by default the text-to-video name with `t2v` → `i2v`. */
  i2vModel: z.string({ error: 'must be a model name.' }).trim().min(1, { error: 'must be a model name.' }).optional(),
  /** Wan resolution tier when the request names none (`480P`, `720P`, `1080P`). */
  resolution: z
    .unknown()
    .transform((value, ctx) => {
      const resolution = wanResolution(value);
      if (resolution) return resolution;
      ctx.addIssue({ code: 'custom', message: 'must be 480P, 720P or 1080P.' });
      return z.NEVER;
    })
    .optional(),
  /** Wan request shape: `classic` (wan2.1–2.6: `img_url`, `size`) or `media` (wan2.7: `input.media`). */
  wanProtocol: z.enum(['classic', 'media'], { error: 'must be "classic" or "media".' }).optional(),
});

export type DashScopeOptions = z.output<typeof dashScopeOptionsSchema>;

export function readOptions(raw: Readonly<Record<string, unknown>>): DashScopeOptions {
  return parseChannelOptions(dashScopeOptionsSchema, raw, 'dashscope option');
}
