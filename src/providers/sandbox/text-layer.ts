import sharp from 'sharp';
import { tightenHangulLetters } from './hangul-letters.js';
import type { SandboxFont } from './sandbox-fonts.js';

/** Characters XML 1.0 forbids even escaped; Pango's markup parser, like librsvg, refuses them. */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export const escapeMarkup = (text: string) =>
  text
    .replace(NOT_XML, '')
    .replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

export interface TextLayer {
  /** Raw RGBA pixels, cropped by libvips to the ink of the text. */
  data: Buffer;
  width: number;
  height: number;
}

export interface TextStyle {
  /** `null` withholds the font file: only what fontconfig finds on the machine is used (tests). */
  font: SandboxFont | null;
  /** Pixel size (at 72 dpi a Pango point is a pixel). */
  size: number;
  /** 0–100. */
  opacityPercent?: number;
}

/**
 * White text, one line per entry (`null` when it draws no ink), drawn by Pango with the given font file (sharp's text input),
 * so the glyphs come from that file whatever the machine's fontconfig holds.
 */
export async function renderTextLayer(lines: string[], style: TextStyle): Promise<TextLayer | null> {
  const alpha = style.opacityPercent === undefined ? '' : ` fgalpha="${style.opacityPercent}%"`;
  const markup = `<span foreground="#ffffff"${alpha}>${tightenHangulLetters(lines.map(escapeMarkup).join('\n'), style.size)}</span>`;
  const family = style.font?.description ?? 'Noto Sans SC';
  const rendered = await sharp({
    text: {
      text: markup,
      font: `${family} ${style.size}`,
      ...(style.font ? { fontfile: style.font.file } : {}),
      dpi: 72,
      rgba: true,
    },
  })
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((err: Error) => {
      // Text that draws no ink at all (only invisible characters) is nothing to lay over the image.
      if (/no text to render/.test(err.message)) return null;
      throw err;
    });
  return rendered && { data: rendered.data, width: rendered.info.width, height: rendered.info.height };
}
