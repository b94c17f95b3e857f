import { z } from 'zod';

/*
 * Response shapes of the endpoints that predate the OpenAPI document (chat, models, jobs, errors).
 * Objects that other modules build are loose, so an added field does not make them invalid; the
 * OpenAPI test checks real responses against these.
 */

export const errorResponse = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .describe('Error');

export const modelObject = z
  .looseObject({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string(),
    mediagate: z
      .looseObject({
        kind: z.enum(['image', 'video']),
        capabilities: z.array(z.string()),
        aspect_ratios: z.array(z.string()),
        sizes: z.record(z.string(), z.string()),
        max_n: z.number().int(),
        max_prompt_chars: z
          .number()
          .int()
          .describe(
            'Longest prompt in characters once directives are removed; a channel whose upstream takes less applies its own limit.',
          ),
      })
      .describe('What the model accepts: kind, ratios, sizes, durations and limits.'),
  })
  .describe('Model');

export const modelList = z.object({ object: z.literal('list'), data: z.array(modelObject) }).describe('ModelList');

export const jobObject = z
  .looseObject({
    id: z.string(),
    object: z.literal('generation.job'),
    model: z.string(),
    kind: z.enum(['image', 'video']),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    progress: z.number(),
    prompt: z.string(),
    size: z.string(),
    aspect_ratio: z.string(),
    seconds: z.number().nullable(),
    n: z.number().int(),
    adjustments: z.array(z.string()),
    references: z
      .array(
        z.looseObject({
          url: z.string().describe("The gateway's stored copy of the reference."),
          source: z
            .enum(['message', 'history', 'url', 'upload'])
            .nullable()
            .describe(
              "Where it came from: `message` (an image part of the last chat message), `history` (the conversation's earlier image), `url` (an Images/Videos API URL field), `upload` (a file). Null on jobs from before sources were recorded.",
            ),
          width: z.number().int(),
          height: z.number().int(),
          content_type: z.string(),
        }),
      )
      .describe('The reference images the job used.'),
    results: z.array(
      z.looseObject({
        url: z.string(),
        content_type: z.string(),
        bytes: z.number().int(),
        width: z.number().nullable(),
        height: z.number().nullable(),
        seconds: z.number().nullable(),
      }),
    ),
    error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
    upstream: z
      .looseObject({
        channel: z.string().nullable(),
        submit_attempts: z.number().int(),
        status_calls: z.number().int(),
        usage: z
          .looseObject({
            input_tokens: z.number().int(),
            output_tokens: z.number().int(),
            total_tokens: z.number().int(),
          })
          .nullable()
          .describe(
            'Token usage as the upstream reported it (GPT image models, Gemini image models); null when it reports none.',
          ),
      })
      .optional()
      .describe('Which channel ran the job, how many upstream calls it took, and what the upstream reported using.'),
    instance: z
      .string()
      .nullable()
      .describe(
        'The gateway instance running the job now, or the one that ran it last (`MEDIAGATE_INSTANCE_ID`, or an id made at its start; every log line carries it as `instance`). Null on jobs from before instances were recorded and on jobs refused before they ran.',
      ),
    cost: z
      .number()
      .int()
      .nullable()
      .describe(
        'Credits charged, once the job has ended: what was delivered (0 for a failed, cancelled or moderated job). Null while it runs.',
      ),
    billed_units: z.number().nullable().describe('Images, or seconds of video, charged; null while the job runs.'),
    unit: z.enum(['image', 'second']).describe('What `billed_units` counts.'),
    created_at: z.number().int(),
    completed_at: z.number().int().nullable(),
  })
  .describe('Job');

export const jobList = z
  .object({
    object: z.literal('list'),
    data: z.array(jobObject),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
    has_more: z.boolean(),
  })
  .describe('JobList');

const usage = z.looseObject({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

export const chatCompletion = z
  .looseObject({
    id: z
      .string()
      .describe('`chatcmpl-<job id>`: the job is also at GET /v1/jobs/{id} and, for videos, GET /v1/videos/{id}.'),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.looseObject({
        index: z.number().int(),
        message: z.looseObject({
          role: z.literal('assistant'),
          content: z.string().nullable(),
          images: z
            .array(
              z.object({
                type: z.literal('image_url'),
                image_url: z.object({ url: z.string() }),
                index: z.number().int(),
              }),
            )
            .optional()
            .describe(
              'Image models: each result as a link to this gateway (the same links as the markdown in `content`). Absent for videos and with `plain: true`.',
            ),
        }),
        finish_reason: z
          .string()
          .describe('`stop` for a result, `content_filter` for a content-review block, `error` for any other failure.'),
      }),
    ),
    usage,
  })
  .describe('ChatCompletion');

export const healthResponse = z.object({ status: z.literal('ok') });
