import sharp from 'sharp';

/** A solid-colour PNG, standing in for an image a user uploads. */
export function pngBuffer(width: number, height: number, color = '#3366cc'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
}

/** A solid-colour PNG as a `data:` URL, standing in for a reference image fetched from the web. */
export async function pngDataUrl(width: number, height: number, color = '#3366cc'): Promise<string> {
  return `data:image/png;base64,${(await pngBuffer(width, height, color)).toString('base64')}`;
}
