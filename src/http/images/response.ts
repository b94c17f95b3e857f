import { adjustmentLines, adjustmentText } from '../../intent/adjustment-text.js';
import type { JobRecord } from '../../jobs/types.js';
import type { MediaStore } from '../../storage/types.js';
import type { ImagesResponse } from './schemas.js';

export type ResponseFormat = 'url' | 'b64_json';

/**
 * OpenAI's GPT image models only ever answer with `b64_json`, so SDK code written for them reads
 * that field; other models default to a link, which keeps responses small.
 */
export function defaultResponseFormat(model: string): ResponseFormat {
  return model.startsWith('gpt-image') ? 'b64_json' : 'url';
}

/** A finished image job in OpenAI's `ImagesResponse` shape; `b64_json` is read from our storage. */
export async function toImagesResponse(
  job: JobRecord,
  format: ResponseFormat,
  deps: { media: MediaStore; mediaUrl: (key: string) => string },
): Promise<ImagesResponse> {
  const data = await Promise.all(
    job.results.map(async (result) =>
      format === 'url'
        ? { url: deps.mediaUrl(result.key) }
        : { b64_json: (await deps.media.read(result.key)).toString('base64') },
    ),
  );
  const { width, height, format: outputFormat, quality, background, language, model, n } = job.request;
  // As in chat: an upstream that made fewer images than asked is said so, not left to be counted.
  const shortfall =
    job.results.length < n
      ? [adjustmentText(language, { kind: 'fewer_images', model, made: job.results.length, asked: n })]
      : [];
  return {
    created: Math.floor(job.createdAt / 1000),
    data,
    size: `${width}x${height}`,
    ...(outputFormat !== 'mp4' && { output_format: outputFormat }),
    ...(quality !== undefined && { quality }),
    ...(background !== undefined && { background }),
    adjustments: [...adjustmentLines(job.request), ...shortfall],
    ...(job.usage && { usage: job.usage }),
  };
}
