import type { GenerationRequest } from '../../intent/types.js';
import { snapSeconds, withNote } from '../snap.js';
import type { RelayOptions } from './options.js';

/**
 * A relay has no field for `n`: it makes what its model makes for one message, so more than one
 * image is asked as one. Video lengths are snapped only when the channel lists the relay's lengths.
 */
export function adaptToRelay(req: GenerationRequest, upstreamModel: string, options: RelayOptions): GenerationRequest {
  let out = req;
  if (out.kind === 'image' && out.n > 1) {
    out = withNote({ ...out, n: 1 }, `${upstreamModel} makes one image per request; making 1.`, `${upstreamModel} 每次只生成 1 张，已改为 1 张。`);
  }
  if (options.allowedSeconds) out = snapSeconds(out, upstreamModel, { allowed: options.allowedSeconds });
  return out;
}
