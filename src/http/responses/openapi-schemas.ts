import { z } from 'zod';

/** The documented shapes of `/v1/responses`; loose, so a field added to the object keeps them valid. */

const outputItem = z
  .looseObject({
    id: z.string(),
    type: z.enum(['message', 'image_generation_call']),
    status: z.string(),
    content: z
      .array(z.looseObject({ type: z.literal('output_text'), text: z.string() }))
      .optional()
      .describe('`message`: one `output_text` part, the same text a chat completion answers.'),
    result: z.string().nullable().optional().describe('`image_generation_call`: the image, base64-encoded.'),
  })
  .describe('ResponseOutputItem');

export const responseObjectSchema = z
  .looseObject({
    id: z.string().describe('`resp_<job id>`: the job is also at GET /v1/jobs/{id}.'),
    object: z.literal('response'),
    created_at: z.number().int(),
    status: z.enum(['queued', 'in_progress', 'completed', 'failed', 'cancelled', 'incomplete']),
    model: z.string(),
    output: z.array(outputItem),
    error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
    incomplete_details: z.looseObject({ reason: z.string() }).nullable(),
    usage: z
      .looseObject({ input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int() })
      .nullable(),
  })
  .describe('Response');

export const responseEventStream = z.string().meta({
  contentMediaType: 'text/event-stream',
  description:
    'With `stream: true`: typed events (`event:` and `data:` lines, each with `sequence_number`): response.created, response.in_progress, response.output_item.added, response.content_part.added, response.output_text.delta (progress), response.output_text.done, response.content_part.done, response.output_item.done, then response.completed, or response.failed followed by an `error` event.',
});
