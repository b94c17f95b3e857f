import { z } from 'zod';

const action = z.enum(['block', 'warn', 'off']);
const score = z.number().min(0).max(1);

/**
 * `moderation` in the configuration. Unset categories and thresholds keep the defaults in
 * src/moderation/defaults.ts; README "Moderation" documents every key.
 */
export const moderationSchema = z
  .object({
    /** Master switch. Off lets everything through to the upstream (which may still moderate). */
    enabled: z.boolean().default(true),
    /** Stage 1: reference images checked for a realistic person. */
    inputImages: z
      .object({
        enabled: z.boolean().default(true),
        /** What a reference showing a realistic person does, by the model's kind. */
        realPerson: z
          .object({
            video: action.default('block'),
            image: action.default('off'),
          })
          .prefault({}),
        /** Per public model name; wins over `realPerson`. */
        models: z.record(z.string(), action).default({}),
        /** Least face-detector score that counts as a face. */
        minFaceScore: score.default(0.5),
        /**
         * Share of flat (untextured) pixels in a face above which it is taken for a drawing: flat-colour
         * art scores 0.75–0.9, photos 0.15–0.45 (bench/moderation-eval.ts).
         */
        maxFlatness: score.default(0.55),
      })
      .prefault({}),
    /** Stage 2: the prompt. */
    prompt: z
      .object({
        enabled: z.boolean().default(true),
        /** Category → action; unset categories keep their defaults. */
        actions: z.record(z.string(), action).default({}),
        /** Extra term files (JSON or YAML, same shape as src/moderation/prompt/terms/en.json). */
        termFiles: z.array(z.string()).default([]),
        /** Use only `termFiles`, not the built-in English and Chinese lists. */
        replaceBuiltinTerms: z.boolean().default(false),
        /** An OpenAI-compatible moderation endpoint consulted after the local terms pass. */
        remote: z
          .object({
            /** Base URL (`https://api.openai.com/v1`) or the full `/moderations` URL. */
            url: z.string().url(),
            apiKey: z.string().optional(),
            model: z.string().default('omni-moderation-latest'),
            timeoutMs: z.number().int().positive().default(5_000),
            /** When the service fails or times out: true lets the prompt through (logged), false refuses it with 503. */
            failOpen: z.boolean().default(true),
          })
          .optional(),
      })
      .prefault({}),
    /** Stage 3: generated images and sampled video frames. */
    output: z
      .object({
        enabled: z.boolean().default(true),
        /** nsfwjs class → least score that withholds the result; null turns a class's check off. */
        thresholds: z
          .partialRecord(z.enum(['porn', 'hentai', 'sexy', 'drawing', 'neutral']), score.nullable())
          .default({}),
        /** Frames sampled evenly from each video. */
        videoFrames: z.number().int().min(1).max(32).default(4),
      })
      .prefault({}),
    /** Worker threads per model (stage 1 and stage 3 each have their own). */
    threads: z.number().int().min(1).max(8).default(1),
    /** Longest one image check may take before it counts as failed. */
    timeoutMs: z.number().int().positive().default(60_000),
    /** Verdicts remembered by content hash, so identical results are not classified again. */
    cacheEntries: z.number().int().min(0).default(10_000),
    /** Largest image (pixels) decoded for review. */
    maxPixels: z.number().int().positive().default(50_000_000),
  })
  .prefault({});

export type ModerationConfig = z.infer<typeof moderationSchema>;
