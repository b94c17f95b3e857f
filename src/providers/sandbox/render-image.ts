import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { GenerationRequest } from '../../intent/types.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** Characters XML 1.0 forbids even escaped; librsvg refuses the whole SVG over one of them. */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const escapeXml = (text: string) =>
  text
    .replace(NOT_XML, '')
    .replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** Width of a character in ems, roughly: CJK glyphs are square, Latin ones about half as wide. */
const charWidth = (c: string) => (/[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]/.test(c) ? 1 : 0.56);

/** Greedy word wrap (CJK text wraps anywhere), at most `maxLines` lines, ellipsis when cut. */
export function wrapText(text: string, maxEms: number, maxLines: number): string[] {
  const tokens =
    text
      .replace(/\s+/g, ' ')
      .trim()
      .match(/[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]|[^\s\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]+|\s/g) ?? [];
  const lines: string[] = [];
  let line = '';
  let width = 0;
  for (const token of tokens) {
    const w = [...token].reduce((sum, c) => sum + charWidth(c), 0);
    if (width + w > maxEms && line.trim()) {
      lines.push(line.trim());
      line = '';
      width = 0;
      if (lines.length === maxLines) break;
    }
    if (token === ' ' && !line) continue;
    line += token;
    width += w;
  }
  if (lines.length < maxLines && line.trim()) lines.push(line.trim());
  const consumed = lines.join('').replace(/\s/g, '').length;
  if (consumed < text.replace(/\s/g, '').length && lines.length > 0)
    lines[lines.length - 1] = `${lines[lines.length - 1].slice(0, -1)}…`;
  return lines;
}

/** Two colours derived from the prompt, so different prompts give visibly different images. */
function palette(seedText: string): [string, string] {
  const hash = createHash('sha256').update(seedText).digest();
  const hue = (hash[0] / 255) * 360;
  return [`hsl(${hue.toFixed(0)}, 65%, 38%)`, `hsl(${((hue + 80 + (hash[1] % 100)) % 360).toFixed(0)}, 70%, 22%)`];
}

export interface ImageRenderOptions {
  width: number;
  height: number;
  /** Distinguishes the images of one request (n > 1). */
  index?: number;
}

/**
 * A placeholder that is still a faithful result: exactly the requested size and format, showing the
 * prompt, the model and, when given, the reference image as an inset.
 */
export async function renderImage(
  req: GenerationRequest,
  reference: Buffer | null,
  format: ImageFormat,
  opts: ImageRenderOptions,
): Promise<Buffer> {
  const { width, height } = opts;
  const index = opts.index ?? 0;
  const [from, to] = palette(`${req.prompt}|${req.seed ?? ''}|${index}`);
  const short = Math.min(width, height);
  const fontSize = Math.max(12, Math.round(short / 16));
  const margin = Math.round(short / 14);
  const insetSize = reference ? Math.round(short * 0.4) : 0;
  const textWidth = width - 2 * margin - (reference && width >= height ? insetSize + margin : 0);
  const maxLines = Math.max(
    1,
    Math.floor((height * 0.6 - (reference && width < height ? insetSize : 0)) / (fontSize * 1.3)),
  );
  const lines = wrapText(req.prompt, Math.max(4, textWidth / fontSize), maxLines);
  const textTop = margin + fontSize + (reference && width < height ? insetSize + margin : 0);
  const caption = `mediagate sandbox · ${req.model} · ${width}x${height}${req.n > 1 ? ` · #${index + 1}` : ''}`;
  const captionSize = Math.max(10, Math.round(fontSize * 0.5));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#g)"/>
  <circle cx="${width * 0.8}" cy="${height * 0.75}" r="${short * 0.22}" fill="#ffffff" fill-opacity="0.08"/>
  <g font-family="DejaVu Sans, Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif" fill="#ffffff">
    ${lines.map((line, i) => `<text x="${margin}" y="${textTop + i * fontSize * 1.3}" font-size="${fontSize}" font-weight="bold">${escapeXml(line)}</text>`).join('\n    ')}
    <text x="${margin}" y="${height - margin / 2}" font-size="${captionSize}" fill-opacity="0.75">${escapeXml(caption)}</text>
  </g>
</svg>`;
  let image = sharp(Buffer.from(svg));
  if (reference) {
    const inset = await sharp(reference, { limitInputPixels: 100_000_000 })
      .resize(insetSize - 8, insetSize - 8, { fit: 'inside' })
      .extend({ top: 4, bottom: 4, left: 4, right: 4, background: '#ffffff' })
      .png()
      .toBuffer();
    image = sharp(await image.png().toBuffer()).composite([
      { input: inset, top: margin, left: width - margin - insetSize },
    ]);
  }
  if (format === 'jpeg') return image.jpeg({ quality: 88 }).toBuffer();
  if (format === 'webp') return image.webp({ quality: 88 }).toBuffer();
  return image.png().toBuffer();
}
