import sharp from 'sharp';
import { crc32 } from 'node:zlib';

/** A solid-colour PNG, standing in for an image a user uploads. */
export function pngBuffer(width: number, height: number, color = '#3366cc'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer();
}

/** A solid-colour PNG as a `data:` URL, standing in for a reference image fetched from the web. */
export async function pngDataUrl(width: number, height: number, color = '#3366cc'): Promise<string> {
  return `data:image/png;base64,${(await pngBuffer(width, height, color)).toString('base64')}`;
}

/**
 * A PNG whose signature, header and chunk checksums are all valid but whose compressed pixel data
 * (IDAT) is damaged: `metadata()` reads it fine, only a full decode finds the fault.
 */
export async function damagedPng(width = 256, height = 256): Promise<Buffer> {
  const png = await sharp({
    create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .png()
    .toBuffer();
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    if (png.toString('latin1', offset + 4, offset + 8) === 'IDAT') {
      const damaged = Buffer.from(png);
      const start = offset + 8 + Math.floor(length / 3);
      for (let i = 0; i < 64; i++) damaged[start + i] ^= 0x5a;
      damaged.writeUInt32BE(crc32(damaged.subarray(offset + 4, offset + 8 + length)) >>> 0, offset + 8 + length);
      return damaged;
    }
    offset += 12 + length;
  }
  throw new Error('the PNG has no IDAT chunk');
}
