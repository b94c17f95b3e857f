import sharp from 'sharp';

/** A solid-colour PNG as a `data:` URL, standing in for a reference image fetched from the web. */
export async function pngDataUrl(width: number, height: number, color = '#3366cc'): Promise<string> {
  const png = await sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
