import { z } from 'zod';

/**
 * One value of a request that was changed to what the model (or the upstream model serving it) makes.
 * Stored on the job as data, so the words are chosen in one place (adjustment-text.ts), in the
 * prompt's language, when the job is shown.
 */
const model = z.string();

/** Request fields only some upstreams read (providers/fit-request.ts leaves them out, stated, for the others). */
export const OPTIONAL_FIELDS = ['seed', 'quality', 'resolution', 'background', 'mask'] as const;
export type OptionalField = (typeof OPTIONAL_FIELDS)[number];

export const adjustmentSchema = z.discriminatedUnion('kind', [
  /** An aspect ratio the model does not make; the nearest one it makes. */
  z.object({ kind: z.literal('ratio_snapped'), model, asked: z.string(), used: z.string() }),
  /** A `WxH` the model does not offer among its sizes; the one it offers at that shape. */
  z.object({ kind: z.literal('size_snapped'), model, asked: z.string(), used: z.string() }),
  /** A `WxH` outside what the model can make at all (its pixel range). */
  z.object({ kind: z.literal('size_out_of_range'), model, asked: z.string(), used: z.string() }),
  /** A length the model does not make; the nearest allowed one. */
  z.object({ kind: z.literal('duration_snapped'), model, asked: z.number(), used: z.number() }),
  /** A length beyond the model's range; its limit. */
  z.object({ kind: z.literal('duration_clamped'), model, limit: z.enum(['max', 'min']), used: z.number() }),
  /** A length the model imposes for a feature of the request (a resolution, reference images). */
  z.object({ kind: z.literal('duration_fixed'), model, used: z.number(), because: z.string() }),
  /** A resolution the model does not make. */
  z.object({ kind: z.literal('resolution_changed'), model, asked: z.string(), used: z.string() }),
  /** More images than the model makes per request. */
  z.object({ kind: z.literal('images_capped'), model, used: z.number() }),
  /** More images than the upstream makes in one request, which is one. */
  z.object({ kind: z.literal('single_image'), model }),
  /** More images than the model makes for this request's references. */
  z.object({ kind: z.literal('images_capped_here'), model, used: z.number() }),
  /** More videos than the model makes per request (every video model makes one). */
  z.object({ kind: z.literal('videos_capped'), model, used: z.number() }),
  /** Fewer images came back than were asked for. */
  z.object({ kind: z.literal('fewer_images'), model, made: z.number(), asked: z.number() }),
  /** A file format the upstream does not make. */
  z.object({ kind: z.literal('format_changed'), model, offered: z.array(z.string()), used: z.string() }),
  z.object({ kind: z.literal('references_ignored'), model }),
  /** The earlier image editing in conversation would use can no longer be read; the prompt alone is used. */
  z.object({ kind: z.literal('history_image_unavailable'), model }),
  /** Image-to-video whose shape follows the reference image, not the ratio asked (or defaulted). */
  z.object({ kind: z.literal('ratio_from_reference'), model, asked: z.string(), used: z.string() }),
  /** A reference cropped (centred) to the output's shape, which the upstream requires. */
  z.object({ kind: z.literal('reference_cropped'), model, used: z.string() }),
  z.object({ kind: z.literal('negative_prompt_dropped'), model }),
  /** No negative-prompt field upstream: it was sent as an "Avoid: …" line of the prompt instead. */
  z.object({ kind: z.literal('negative_prompt_in_prompt'), model }),
  /** A value the serving upstream has no field for, left out rather than sent where it would be refused or lost. */
  z.object({ kind: z.literal('field_ignored'), model, field: z.enum(OPTIONAL_FIELDS) }),
  /** A quality the upstream does not offer; the one it does. */
  z.object({ kind: z.literal('quality_changed'), model, asked: z.string(), used: z.string() }),
  /** A seed outside the model's range. */
  z.object({ kind: z.literal('seed_ignored'), model, min: z.number(), max: z.number() }),
  /** A line written by a version that stored adjustments as text. */
  z.object({ kind: z.literal('text'), text: z.string() }),
]);

export type Adjustment = z.infer<typeof adjustmentSchema>;

/** Adjustments as stored: the typed values, or the plain lines earlier versions wrote. */
export const storedAdjustmentsSchema = z.array(
  z.union([adjustmentSchema, z.string().transform((text): Adjustment => ({ kind: 'text', text }))]),
);

/** Reads a stored request's adjustments; anything unreadable is kept as text rather than lost. */
export function readAdjustments(stored: unknown): Adjustment[] {
  const parsed = storedAdjustmentsSchema.safeParse(stored ?? []);
  if (parsed.success) return parsed.data;
  return Array.isArray(stored)
    ? stored.map((item): Adjustment => ({ kind: 'text', text: typeof item === 'string' ? item : JSON.stringify(item) }))
    : [];
}
