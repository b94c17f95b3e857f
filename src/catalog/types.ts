export type MediaKind = 'image' | 'video';

export type Capability = 'text-to-image' | 'image-edit' | 'text-to-video' | 'image-to-video';

/** How a model treats reference images attached to the prompt. */
export type ReferencePolicy = 'none' | 'optional' | 'required';

export type OutputFormat = 'png' | 'jpeg' | 'webp' | 'mp4';

export interface DurationSpec {
  /** Whole seconds. */
  min: number;
  max: number;
  default: number;
  /** When set, only these values are accepted (e.g. [5, 10]); otherwise any whole number in [min, max]. */
  allowed?: number[];
}

export interface PriceSpec {
  /** USD per generated image (image models). */
  perImage?: number;
  /** USD per generated second (video models). */
  perSecond?: number;
}

export interface ModelSpec {
  /** Public model name clients send, e.g. `sora-2`. */
  id: string;
  kind: MediaKind;
  ownedBy: string;
  description: string;
  capabilities: Capability[];
  references: ReferencePolicy;
  /** Most reference images the model takes in one request. */
  maxReferences: number;
  /** Supported aspect ratios as `W:H` strings, first is the default. */
  aspectRatios: string[];
  /** Output pixel size for each supported ratio, `WxH`. */
  sizes: Record<string, string>;
  /** Extra explicit sizes accepted as-is (`WxH`), beyond the per-ratio defaults. */
  extraSizes?: string[];
  durations?: DurationSpec;
  maxN: number;
  /**
   * Longest prompt in characters, once directives are removed: the upstream's documented limit
   * (prompt-limits.ts says where each comes from), at most the gateway's own 32 000.
   */
  maxPromptChars: number;
  defaultFormat: OutputFormat;
  formats: OutputFormat[];
  price?: PriceSpec;
}
