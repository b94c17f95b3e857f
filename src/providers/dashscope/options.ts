import { ConfigError } from '../../config/load.js';
import { optionChecks } from '../channel-options.js';

/** Channel `options` this protocol reads (documented in index.ts), checked once when the channel is built. */
export interface DashScopeOptions {
  /** `parameters.prompt_extend`: let DashScope rewrite the prompt. */
  promptExtend: boolean;
  /** `parameters.watermark`. */
  watermark: boolean;
  /** Upstream model for image-to-video; by default the text-to-video name with `t2v` → `i2v`. */
  i2vModel?: string;
  /** Wan resolution tier when the request names none (`480P`, `720P`, `1080P`). */
  resolution?: WanResolution;
  /** Wan request shape: `classic` (wan2.1–2.6: `img_url`, `size`) or `media` (wan2.7: `input.media`). */
  wanProtocol?: 'classic' | 'media';
}

export type WanResolution = '480P' | '720P' | '1080P';

const { flag } = optionChecks('dashscope option');

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

export function readOptions(raw: Readonly<Record<string, unknown>>): DashScopeOptions {
  const options: DashScopeOptions = {
    promptExtend: flag(raw, 'promptExtend', true),
    watermark: flag(raw, 'watermark', false),
  };
  if (raw.i2vModel !== undefined) {
    if (typeof raw.i2vModel !== 'string' || !raw.i2vModel.trim()) throw new ConfigError('dashscope option "i2vModel" must be a model name.');
    options.i2vModel = raw.i2vModel.trim();
  }
  if (raw.resolution !== undefined) {
    const resolution = wanResolution(raw.resolution);
    if (!resolution) throw new ConfigError('dashscope option "resolution" must be 480P, 720P or 1080P.');
    options.resolution = resolution;
  }
  if (raw.wanProtocol !== undefined) {
    if (raw.wanProtocol !== 'classic' && raw.wanProtocol !== 'media') throw new ConfigError('dashscope option "wanProtocol" must be "classic" or "media".');
    options.wanProtocol = raw.wanProtocol;
  }
  return options;
}
