import type { ModelSpec, OutputFormat } from '../catalog/types.js';
import { badRequest } from '../errors/generation-error.js';
import type { Adjustment } from './adjustments.js';
import { stripControlCharacters } from './control-characters.js';
import type { ExplicitFields, GenerationRequest, ParsedPrompt, StoredReference } from './types.js';

const RATIO_TEXT = /^\s*(\d+(?:\.\d+)?)\s*[:：/x×]\s*(\d+(?:\.\d+)?)\s*$/i;
const SIZE_TEXT = /^\s*(\d{2,5})\s*[x×*]\s*(\d{2,5})\s*$/i;

const ratioValue = (ratio: string) => {
  const [w, h] = ratio.split(':').map(Number);
  return w / h;
};

function nearestRatio(spec: ModelSpec, value: number): string {
  let best = spec.aspectRatios[0];
  for (const candidate of spec.aspectRatios) {
    if (Math.abs(Math.log(ratioValue(candidate) / value)) < Math.abs(Math.log(ratioValue(best) / value)))
      best = candidate;
  }
  return best;
}

function parseSize(text: string, param: string): { width: number; height: number } {
  const m = SIZE_TEXT.exec(text);
  if (!m) throw badRequest(`${param} must look like "1024x1024".`, param);
  return { width: Number(m[1]), height: Number(m[2]) };
}

function parseRatio(text: string, param: string): string {
  const m = RATIO_TEXT.exec(text);
  if (!m || Number(m[1]) <= 0 || Number(m[2]) <= 0) throw badRequest(`${param} must look like "16:9".`, param);
  return `${Number(m[1])}:${Number(m[2])}`;
}

function parseSeconds(value: number | string, param: string): number {
  const seconds = typeof value === 'number' ? value : Number(value.trim().replace(/s$/i, ''));
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw badRequest(`${param} must be a positive number of seconds, e.g. 5.`, param);
  return seconds;
}

/**
 * Refuses, before anything is fetched, a request whose references the model cannot work with:
 * a missing required reference, or more references than the model takes.
 */
export function checkReferenceCount(spec: ModelSpec, count: number): void {
  if (spec.references === 'required' && count === 0) {
    throw badRequest(
      `${spec.id} needs a reference image: add an image_url part to the last user message.`,
      'messages',
      'reference_image_required',
    );
  }
  if (spec.references !== 'none' && count > spec.maxReferences) {
    throw badRequest(
      `${spec.id} takes at most ${spec.maxReferences} reference image(s); ${count} were given.`,
      'messages',
      'too_many_reference_images',
    );
  }
}

/**
 * The ratio when none was asked for. An image made from a reference keeps the reference's shape
 * (editing a landscape photo should not answer with a square); otherwise the model's default.
 * Videos keep the default: several video upstreams take only a few ratios whatever the frame.
 */
function unaskedRatio(spec: ModelSpec, references: StoredReference[]): string {
  const first = references[0];
  if (spec.kind !== 'image' || spec.references === 'none' || !first) return spec.aspectRatios[0];
  return nearestRatio(spec, first.width / first.height);
}

/**
 * Merges explicit fields (which win) and prompt directives into a request the model can serve,
 * snapping unsupported values to the nearest supported one and noting each change.
 */
export function resolveGeneration(
  spec: ModelSpec,
  parsed: ParsedPrompt,
  explicit: ExplicitFields,
  references: StoredReference[],
  givenReferenceCount = references.length,
): GenerationRequest {
  const model = spec.id;
  const adjustments: Adjustment[] = [];
  const d = parsed.directives;

  checkReferenceCount(spec, givenReferenceCount);
  if (spec.references === 'none' && givenReferenceCount > 0) adjustments.push({ kind: 'references_ignored', model });

  const prompt = parsed.prompt.trim();
  if (!prompt)
    throw badRequest(
      'The prompt is empty once directives (ratio, duration, …) are removed; describe what to generate.',
      'messages',
      'missing_prompt',
    );

  // Size and ratio: an exact size the model offers is used as is; anything else picks a ratio.
  const explicitSize = explicit.size !== undefined ? parseSize(explicit.size, 'size') : undefined;
  const askedSize = explicitSize ?? (explicit.aspect_ratio === undefined ? d.size : undefined);
  const askedRatio =
    explicit.aspect_ratio !== undefined
      ? parseRatio(explicit.aspect_ratio, 'aspect_ratio')
      : explicitSize
        ? undefined
        : d.aspectRatio;
  let width: number;
  let height: number;
  let aspectRatio: string;
  const offered = askedSize && `${askedSize.width}x${askedSize.height}`;
  if (offered && (Object.values(spec.sizes).includes(offered) || spec.extraSizes?.includes(offered))) {
    ({ width, height } = askedSize);
    aspectRatio = nearestRatio(spec, width / height);
  } else {
    const wanted = askedRatio ?? (askedSize ? undefined : unaskedRatio(spec, references));
    const value = wanted ? ratioValue(wanted) : askedSize!.width / askedSize!.height;
    aspectRatio = wanted && spec.aspectRatios.includes(wanted) ? wanted : nearestRatio(spec, value);
    [width, height] = spec.sizes[aspectRatio].split('x').map(Number);
    if (askedSize) adjustments.push({ kind: 'size_snapped', model, asked: offered!, used: `${width}x${height}` });
    else if (wanted && wanted !== aspectRatio)
      adjustments.push({ kind: 'ratio_snapped', model, asked: wanted, used: aspectRatio });
  }

  let seconds: number | undefined;
  if (spec.kind === 'video' && spec.durations) {
    const { min, max, allowed } = spec.durations;
    const explicitSeconds = explicit.seconds ?? explicit.duration;
    const asked =
      explicitSeconds !== undefined
        ? parseSeconds(explicitSeconds, explicit.seconds !== undefined ? 'seconds' : 'duration')
        : d.seconds;
    seconds = asked === undefined ? spec.durations.default : Math.round(asked);
    if (allowed && !allowed.includes(seconds)) {
      const used = allowed.reduce((best, v) => (Math.abs(v - seconds!) < Math.abs(best - seconds!) ? v : best));
      adjustments.push({ kind: 'duration_snapped', model, asked: asked ?? seconds, used });
      seconds = used;
    } else if (asked !== undefined && asked !== seconds && seconds >= min && seconds <= max) {
      // Whole seconds only: 4.5 s is made as 5 s, and said so.
      adjustments.push({ kind: 'duration_snapped', model, asked, used: seconds });
    } else if (seconds > max) {
      adjustments.push({ kind: 'duration_clamped', model, limit: 'max', used: max });
      seconds = max;
    } else if (seconds < min) {
      adjustments.push({ kind: 'duration_clamped', model, limit: 'min', used: min });
      seconds = min;
    }
  }

  let n = explicit.n ?? d.n ?? 1;
  if (!Number.isInteger(n) || n < 1) throw badRequest('n must be a whole number of at least 1.', 'n');
  if (n > spec.maxN) {
    adjustments.push({ kind: spec.kind === 'video' ? 'videos_capped' : 'images_capped', model, used: spec.maxN });
    n = spec.maxN;
  }

  let format: OutputFormat = spec.defaultFormat;
  if (explicit.output_format !== undefined) {
    const asked =
      explicit.output_format.toLowerCase() === 'jpg' ? 'jpeg' : (explicit.output_format.toLowerCase() as OutputFormat);
    if (!spec.formats.includes(asked)) {
      throw badRequest(`output_format must be one of ${spec.formats.join(', ')} for ${spec.id}.`, 'output_format');
    }
    format = asked;
  }

  const negativePrompt =
    explicit.negative_prompt !== undefined ? stripControlCharacters(explicit.negative_prompt) : d.negativePrompt;
  const seed = explicit.seed ?? d.seed;
  const quality = explicit.quality ?? d.quality;
  const resolution = explicit.resolution ?? d.resolution;
  return {
    model: spec.id,
    kind: spec.kind,
    prompt,
    ...(negativePrompt !== undefined && { negativePrompt }),
    references: spec.references === 'none' ? [] : references,
    aspectRatio,
    width,
    height,
    ...(seconds !== undefined && { seconds }),
    n,
    ...(seed !== undefined && { seed }),
    ...(quality !== undefined && { quality }),
    ...(resolution !== undefined && { resolution }),
    format,
    language: parsed.language,
    adjustments,
  };
}
