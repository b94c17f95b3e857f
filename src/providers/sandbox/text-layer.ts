import sharp from 'sharp';
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

/** Hangul syllables, jamo and compatibility letters: drawn with the Korean font. */
const HANGUL_RUN = /[\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3]+/g;

/**
 * sharp takes one font file per text; libvips registers each file with fontconfig for the rest of
 * the process. The Korean file is registered once by drawing one syllable with it, after which
 * markup can name its family.
 */
const registered = new Map<string, Promise<unknown>>();
function registerFontFile(file: string): Promise<unknown> {
  let done = registered.get(file);
  if (!done) {
    done = sharp({ text: { text: '가', fontfile: file, dpi: 72 } })
      .raw()
      .toBuffer();
    registered.set(file, done);
  }
  return done;
}

/** Escaped lines, Korean runs in the Korean font when the packaged fonts are used. */
async function markupOf(lines: string[], font: SandboxFont | null): Promise<string> {
  const escaped = lines.map(escapeMarkup).join('\n');
  if (!font || !/[\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3]/.test(escaped)) return escaped;
  await registerFontFile(font.hangul.file);
  return escaped.replace(HANGUL_RUN, (run) => `<span font_family="${font.hangul.family}">${run}</span>`);
}

/**
 * White text, one line per entry (`null` when it draws no ink), drawn by Pango with the given font file (sharp's text input),
 * so the glyphs come from that file whatever the machine's fontconfig holds.
 */
export async function renderTextLayer(lines: string[], style: TextStyle): Promise<TextLayer | null> {
  const alpha = style.opacityPercent === undefined ? '' : ` fgalpha="${style.opacityPercent}%"`;
  const markup = `<span foreground="#ffffff"${alpha}>${await markupOf(lines, style.font)}</span>`;
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
