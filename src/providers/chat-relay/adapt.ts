import type { GenerationRequest } from '../../intent/types.js';
import { notingAvoidLine } from '../avoid-line.js';
import { adjusted, snapSeconds } from '../snap.js';
import type { RelayOptions } from './options.js';

/**
 * A relay has no field for `n`: it makes what its model makes for one message, so more than one
 * image is asked as one. Video lengths are snapped only when the channel lists the relay's lengths.
 */
export function adaptToRelay(req: GenerationRequest, upstreamModel: string, options: RelayOptions): GenerationRequest {
  let out = notingAvoidLine(req, upstreamModel);
  if (out.kind === 'image' && out.n > 1) {
    out = adjusted({ ...out, n: 1 }, { kind: 'single_image', model: upstreamModel });
  }
  if (options.allowedSeconds) out = snapSeconds(out, upstreamModel, { allowed: options.allowedSeconds });
  return out;
}
