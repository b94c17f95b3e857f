import type { GenerationRequest } from '../../intent/types.js';
import { UpstreamError } from '../errors.js';
import type { ProviderContext, ProviderOutput } from '../types.js';

interface ImagesResponse {
  data?: { b64_json?: string; url?: string }[];
  output_format?: string;
}

const CONTENT_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** Inline images go to storage now (the operation must not carry media); links are downloaded by the engine. */
export async function readImages(body: ImagesResponse, req: GenerationRequest, ctx: ProviderContext): Promise<ProviderOutput[]> {
  const items = Array.isArray(body?.data) ? body.data : [];
  const contentType = CONTENT_TYPES[body?.output_format ?? (req.format === 'mp4' ? 'png' : req.format)] ?? 'image/png';
  const outputs: ProviderOutput[] = [];
  for (const item of items) {
    const size = { width: req.width, height: req.height };
    if (typeof item.b64_json === 'string' && item.b64_json) {
      const source = await ctx.storeOutput(Buffer.from(item.b64_json, 'base64'), contentType);
      outputs.push({ kind: 'image', contentType, source, ...size });
    } else if (typeof item.url === 'string' && item.url) {
      outputs.push({ kind: 'image', contentType, source: { type: 'url', url: item.url }, ...size });
    }
  }
  if (outputs.length === 0) {
    // The upstream accepted (and billed) the call but returned nothing usable: not worth repeating.
    throw new UpstreamError('ambiguous', { code: 'upstream_bad_response', message: 'OpenAI returned no image.' });
  }
  return outputs;
}
