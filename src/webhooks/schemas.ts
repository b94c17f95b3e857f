import { z } from 'zod';

/** An http(s) URL that receives this request's completion event (README "Webhooks"). */
export const webhookUrlField = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)
  .describe(
    'mediagate: URL that receives a signed event when the job completes or fails. Overrides the API key default.',
  );

export const webhookDefaultBody = z
  .object({ url: webhookUrlField.nullable().describe("Default webhook for this API key's jobs; null removes it.") })
  .describe('PUT /v1/webhooks/default');

export const webhookDefaultObject = z.object({
  object: z.literal('webhook.default'),
  url: z.string().nullable(),
});

export const webhookEventSchema = z
  .object({
    id: z
      .string()
      .describe('Stable per job and event type; the same on every retry (also in the `webhook-id` header).'),
    object: z.literal('event'),
    type: z.enum(['video.completed', 'video.failed', 'image.completed', 'image.failed']),
    created_at: z.number().int(),
    data: z
      .record(z.string(), z.unknown())
      .describe('The Video object for video events, the job object (GET /v1/jobs/{id}) for image events.'),
  })
  .describe('Body POSTed to a webhook URL, signed in the `webhook-signature` header.');
