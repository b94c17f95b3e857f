import sharp from 'sharp';

export interface RgbImage {
  /** Packed RGB, 3 bytes per pixel. */
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Decodes an image to RGB at a bounded size: the pixel limit refuses decompression bombs before
 * decoding, EXIF orientation is applied, transparency is flattened onto white.
 */
export async function decodeRgb(
  bytes: Uint8Array,
  maxPixels: number,
  size: { width: number; height: number; fit: 'inside' | 'fill'; withoutEnlargement?: boolean },
): Promise<RgbImage> {
  const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, pages: 1 })
    .rotate()
    .flatten({ background: '#ffffff' })
    .resize(size.width, size.height, { fit: size.fit, withoutEnlargement: size.withoutEnlargement ?? false })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 colour channels, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}
