import sharp from 'sharp';
import type { RgbImage } from './decode.js';

/** Faces larger than this (pixels per side) are scaled down to it before they are measured. */
const SAMPLE = 96;
/** A pixel whose Laplacian is at most this (on 0–255 grey) counts as flat. */
const FLAT_LEVEL = 2;

/**
 * Share of flat pixels in a region: flat-colour drawings and smooth renders are mostly flat,
 * photographs carry texture and sensor noise almost everywhere. Measured at the image's own
 * resolution (never enlarged, since enlarging smooths a photo into something flat). Crude, cheap,
 * and measured in bench/moderation-eval.ts; it is what lets a cartoon face pass where a
 * photographed one does not.
 */
export async function flatness(image: RgbImage, box: [number, number, number, number]): Promise<number> {
  const left = Math.max(0, Math.min(image.width - 1, Math.round(box[0])));
  const top = Math.max(0, Math.min(image.height - 1, Math.round(box[1])));
  const width = Math.max(1, Math.min(image.width - left, Math.round(box[2])));
  const height = Math.max(1, Math.min(image.height - top, Math.round(box[3])));
  const { data: grey, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .extract({ left, top, width, height })
    .resize(Math.min(SAMPLE, width), Math.min(SAMPLE, height), { fit: 'fill' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const w = info.width;
  const h = info.height;
  if (w < 3 || h < 3) return 0;
  let flat = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const laplacian = 4 * grey[i] - grey[i - 1] - grey[i + 1] - grey[i - w] - grey[i + w];
      if (Math.abs(laplacian) <= FLAT_LEVEL) flat++;
    }
  }
  return flat / ((w - 2) * (h - 2));
}
