import type { MediaKind, OutputFormat } from '../catalog/types.js';
import type { Adjustment } from './adjustments.js';

export type Language = 'en' | 'zh';

/** Directives found in the prompt text (all optional), before they are checked against a model. */
export interface PromptDirectives {
  aspectRatio?: string;
  /** Explicit `WxH` size. */
  size?: { width: number; height: number };
  seconds?: number;
  seed?: number;
  n?: number;
  negativePrompt?: string;
  quality?: string;
  resolution?: string;
}

export interface ParsedPrompt {
  /** Prompt with every recognised directive removed and whitespace tidied. */
  prompt: string;
  directives: PromptDirectives;
  language: Language;
}

/** Explicit generation fields sent in the request body; they win over prompt directives. */
export interface ExplicitFields {
  size?: string;
  aspect_ratio?: string;
  seconds?: number | string;
  duration?: number | string;
  n?: number;
  quality?: string;
  seed?: number;
  resolution?: string;
  negative_prompt?: string;
  response_format?: string;
  output_format?: string;
}

/**
 * Where a reference came from: an image part of the last chat message, an image taken from earlier
 * in the conversation, an Images/Videos API URL field, or an uploaded file.
 */
export type ReferenceSource = 'message' | 'history' | 'url' | 'upload';

/** A reference image already fetched, validated and stored; `key` is its storage key. */
export interface StoredReference {
  key: string;
  contentType: string;
  width: number;
  height: number;
  bytes: number;
  /** Absent on jobs stored before sources were recorded. */
  source?: ReferenceSource;
}

/** The fully resolved, serialisable description of one generation job. */
export interface GenerationRequest {
  model: string;
  kind: MediaKind;
  prompt: string;
  negativePrompt?: string;
  references: StoredReference[];
  aspectRatio: string;
  width: number;
  height: number;
  /** Video only. */
  seconds?: number;
  n: number;
  seed?: number;
  quality?: string;
  resolution?: string;
  format: OutputFormat;
  language: Language;
  /** Each value that was changed to what the model supports; adjustment-text.ts words them for the user. */
  adjustments: Adjustment[];
  /** Images API `background` (`auto`, `transparent`, `opaque`), passed to upstreams that take it. */
  background?: string;
  /** Images API edit mask (a PNG the size of the first reference); its transparent pixels mark what to change. */
  mask?: StoredReference;
}
