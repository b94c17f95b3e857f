import type { GenerationRequest } from '../../intent/types.js';
import { UpstreamError } from '../errors.js';
import type { ProviderContext, ProviderOutput } from '../types.js';

export interface RecraftImagesResponse {
  created?: number;
  credits?: number;
  data?: { image_id?: string; url?: string; b64_json?: string }[];
}

/**
 * Inline images go to storage now (the operation must not carry media); links (valid about a day)
 * are downloaded by the engine straight away.
 */
export async function readImages(
  body: RecraftImagesResponse | null,
  req: GenerationRequest,
  ctx: ProviderContext,
): Promise<ProviderOutput[]> {
  const items = Array.isArray(body?.data) ? body.data : [];
  const contentType = `image/${req.format}`;
  const size = { width: req.width, height: req.height };
  const outputs: ProviderOutput[] = [];
  for (const item of items) {
    if (typeof item?.b64_json === 'string' && item.b64_json) {
      const source = await ctx.storeOutput(Buffer.from(item.b64_json, 'base64'), contentType);
      outputs.push({ kind: 'image', contentType, source, ...size });
    } else if (typeof item?.url === 'string' && /^https?:\/\//i.test(item.url)) {
      outputs.push({ kind: 'image', contentType, source: { type: 'url', url: item.url }, ...size });
    }
  }
  if (outputs.length === 0) {
    // Recraft answered (and charged) but returned nothing usable: repeating could charge again.
    throw new UpstreamError('ambiguous', { code: 'upstream_bad_response', message: 'Recraft returned no image.' });
  }
  return outputs;
}
