import type { GenerationRequest } from '../../intent/types.js';
import { adjusted } from '../snap.js';

/** The sizes Recraft V2/V3 accept (`size` as `WxH`). */
export const RECRAFT_SIZES = [
  '1024x1024',
  '1365x1024',
  '1024x1365',
  '1536x1024',
  '1024x1536',
  '1820x1024',
  '1024x1820',
  '1024x2048',
  '2048x1024',
  '1434x1024',
  '1024x1434',
  '1024x1280',
  '1280x1024',
  '1024x1707',
  '1707x1024',
];

const MAX_N = 6;

/** The listed size whose ratio is closest (by log distance) to `width:height`. */
export function nearestRecraftSize(width: number, height: number): string {
  const wanted = Math.log(width / height);
  const distance = (size: string) => {
    const [w, h] = size.split('x').map(Number);
    return Math.abs(Math.log(w / h) - wanted);
  };
  return RECRAFT_SIZES.reduce((best, size) => (distance(size) < distance(best) ? size : best));
}

/** Snaps size, image count and format to what Recraft makes, telling the user about each change. */
export function adaptToRecraft(req: GenerationRequest, upstreamModel: string): GenerationRequest {
  let out = req;
  const asked = `${out.width}x${out.height}`;
  if (!RECRAFT_SIZES.includes(asked)) {
    const used = nearestRecraftSize(out.width, out.height);
    const [width, height] = used.split('x').map(Number);
    out = adjusted({ ...out, width, height }, { kind: 'size_snapped', model: upstreamModel, asked, used });
  }
  if (out.n > MAX_N) out = adjusted({ ...out, n: MAX_N }, { kind: 'images_capped', model: upstreamModel, used: MAX_N });
  if (out.format !== 'png' && out.format !== 'webp') {
    out = adjusted(
      { ...out, format: 'png' },
      { kind: 'format_changed', model: upstreamModel, offered: ['png', 'webp'], used: 'png' },
    );
  }
  return out;
}
