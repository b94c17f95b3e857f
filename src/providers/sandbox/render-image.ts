import { createHash } from 'node:crypto';
import sharp, { type OverlayOptions } from 'sharp';
import type { GenerationRequest } from '../../intent/types.js';
import { CAPTION_FONT, PROMPT_FONT, type SandboxFont } from './sandbox-fonts.js';
import { renderTextLayer } from './text-layer.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** Han, kana and full-width forms: square glyphs, and a line may break between any two of them. */
const CJK = '\\u2e80-\\u3130\\u318f-\\u9fff\\uff00-\\uffef';
/** Hangul: square glyphs too, but Korean puts spaces between words, so a line breaks only at them. */
const HANGUL = '\\u1100-\\u11ff\\u3131-\\u318e\\uac00-\\ud7af';
const IS_SQUARE = new RegExp(`[${CJK}${HANGUL}]`);
const TOKENS = new RegExp(`[${CJK}]|[${HANGUL}]+|[^\\s${CJK}${HANGUL}]+|\\s`, 'g');

/** Width of a character in ems, roughly: CJK glyphs are square, Latin ones about half as wide. */
const charWidth = (c: string) => (IS_SQUARE.test(c) ? 1 : 0.56);

/** Greedy word wrap (CJK text wraps anywhere), at most `maxLines` lines, ellipsis when cut. */
export function wrapText(text: string, maxEms: number, maxLines: number): string[] {
  const tokens = text.replace(/\s+/g, ' ').trim().match(TOKENS) ?? [];
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
  /** Tests only: `null` withholds the packaged fonts, to compare with what fontconfig alone draws. */
  fonts?: { prompt: SandboxFont | null; caption: SandboxFont | null };
}

/** Bumped whenever the same request would render differently, so cached renders are not reused. */
export const RENDER_VERSION = 3;

/** Noto Sans SC's natural line height (ascender 1.16 + descender 0.29 em), which Pango uses. */
const LINE_PITCH = 1.45;
/** How far the ink of a line (Han glyphs, capitals) reaches above its baseline, in ems. */
const INK_ABOVE_BASELINE = 0.85;

/**
 * A placeholder that is still a faithful result: exactly the requested size and format, showing the
 * prompt, the model and, when given, the reference image as an inset. The background is an SVG;
 * the text is drawn by Pango with the packaged fonts (`sandbox-fonts.ts`) and laid over it, so it
 * never depends on the machine's fonts.
 */
export async function renderImage(
  req: GenerationRequest,
  reference: Buffer | null,
  format: ImageFormat,
  opts: ImageRenderOptions,
): Promise<Buffer> {
  const { width, height } = opts;
  const index = opts.index ?? 0;
  const fonts = opts.fonts ?? { prompt: PROMPT_FONT, caption: CAPTION_FONT };
  const [from, to] = palette(`${req.prompt}|${req.seed ?? ''}|${index}`);
  const short = Math.min(width, height);
  const fontSize = Math.max(12, Math.round(short / 16));
  const margin = Math.round(short / 14);
  const insetSize = reference ? Math.round(short * 0.4) : 0;
  const textWidth = width - 2 * margin - (reference && width >= height ? insetSize + margin : 0);
  const maxLines = Math.max(
    1,
    Math.floor((height * 0.6 - (reference && width < height ? insetSize : 0)) / (fontSize * LINE_PITCH)),
  );
  const lines = wrapText(req.prompt, Math.max(4, textWidth / fontSize), maxLines);
  const textTop = margin + fontSize + (reference && width < height ? insetSize + margin : 0);
  const caption = `mediagate sandbox · ${req.model} · ${width}x${height}${req.n > 1 ? ` · #${index + 1}` : ''}`;
  const captionSize = Math.max(10, Math.round(fontSize * 0.5));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#g)"/>
  <circle cx="${width * 0.8}" cy="${height * 0.75}" r="${short * 0.22}" fill="#ffffff" fill-opacity="0.08"/>
</svg>`;
  const overlays = await Promise.all([
    textOverlay(lines, { font: fonts.prompt, size: fontSize }, margin, textTop - fontSize * INK_ABOVE_BASELINE, opts),
    textOverlay(
      [caption],
      { font: fonts.caption, size: captionSize, opacityPercent: 75 },
      margin,
      height - margin / 2 - captionSize * INK_ABOVE_BASELINE,
      opts,
    ),
  ]);
  if (reference) {
    const inset = await sharp(reference, { limitInputPixels: 100_000_000 })
      .resize(insetSize - 8, insetSize - 8, { fit: 'inside' })
      .extend({ top: 4, bottom: 4, left: 4, right: 4, background: '#ffffff' })
      .png()
      .toBuffer();
    overlays.push({ input: inset, top: margin, left: width - margin - insetSize });
  }
  const image = sharp(Buffer.from(svg)).composite(overlays.filter((o) => o !== null));
  if (format === 'jpeg') return image.jpeg({ quality: 88 }).toBuffer();
  if (format === 'webp') return image.webp({ quality: 88 }).toBuffer();
  return image.png().toBuffer();
}

/** Text placed at (left, top), cut to the image's edges as the SVG text it replaces was. */
async function textOverlay(
  lines: string[],
  style: Parameters<typeof renderTextLayer>[1],
  left: number,
  top: number,
  image: { width: number; height: number },
): Promise<OverlayOptions | null> {
  const x = Math.max(0, Math.round(left));
  const y = Math.max(0, Math.round(top));
  if (!lines.some((line) => line.trim()) || x >= image.width || y >= image.height) return null;
  // What lies past the right edge is cut anyway; an unbroken 5,000-letter word would otherwise ask
  // Cairo for a surface wider than it allows. No glyph is narrower than 0.15 em.
  const visible = Math.ceil((image.width - x) / (style.size * 0.15));
  const layer = await renderTextLayer(
    lines.map((line) => [...line].slice(0, visible).join('')),
    style,
  );
  if (!layer) return null;
  const raw = { width: layer.width, height: layer.height, channels: 4 as const };
  const fits = { width: Math.min(layer.width, image.width - x), height: Math.min(layer.height, image.height - y) };
  const input =
    fits.width === layer.width && fits.height === layer.height
      ? layer.data
      : await sharp(layer.data, { raw })
          .extract({ left: 0, top: 0, ...fits })
          .raw()
          .toBuffer();
  return { input, raw: { ...fits, channels: 4 }, top: y, left: x };
}
