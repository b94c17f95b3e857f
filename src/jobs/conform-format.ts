import sharp from 'sharp';
import type { GenerationRequest } from '../intent/types.js';
import type { MediaStore } from '../storage/types.js';
import type { JobResult } from './types.js';

const CONTENT_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export interface ConformDeps {
  media: MediaStore;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface Conformed {
  results: JobResult[];
  /**
   * Keys of the upstream's copies that were converted. The job's saved operation still names them,
   * so they may only be removed once the job has ended (a resumed job converts them again).
   */
  replaced: string[];
}

/**
 * Images in the format the user asked for (`output_format`), whatever the upstream made: Seedream
 * and Wan answer JPEG or PNG as they please, and an answer that says `webp` must be a WebP. An
 * image sharp cannot read is kept as the upstream made it (with a warning) rather than failing a
 * paid generation.
 */
export async function conformImageFormat(
  results: JobResult[],
  request: GenerationRequest,
  deps: ConformDeps,
): Promise<Conformed> {
  const wanted = CONTENT_TYPES[request.format];
  if (request.kind !== 'image' || !wanted) return { results, replaced: [] };
  const conformed: JobResult[] = [];
  // Identical images (same key) are converted once.
  const converted = new Map<string, JobResult>();
  for (const result of results) {
    if (result.contentType === wanted || !result.contentType.startsWith('image/')) {
      conformed.push(result);
      continue;
    }
    const done = converted.get(result.key);
    if (done) {
      conformed.push({ ...result, key: done.key, contentType: done.contentType, bytes: done.bytes });
      continue;
    }
    let data: Buffer;
    try {
      data = await sharp(await deps.media.read(result.key))
        .toFormat(request.format as 'png' | 'jpeg' | 'webp')
        .toBuffer();
    } catch (err) {
      deps.warn(
        { mediaKey: result.key, from: result.contentType, to: wanted, err: (err as Error).message },
        'could not convert an upstream image; kept as made',
      );
      conformed.push(result);
      continue;
    }
    const stored = await deps.media.put(data, wanted);
    const inFormat = { ...result, key: stored.key, contentType: wanted, bytes: stored.bytes };
    converted.set(result.key, inFormat);
    conformed.push(inFormat);
  }
  return { results: conformed, replaced: [...converted.keys()] };
}
