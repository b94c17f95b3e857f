/*
 * Run as its own process (`renderInChild`), so fontconfig can be pointed at a configuration before
 * anything in the process loads it: renders sandbox text and images, and prints them as JSON.
 */
import type { GenerationRequest } from '../../src/intent/types.js';
import { renderImage } from '../../src/providers/sandbox/render-image.js';
import { PROMPT_FONT } from '../../src/providers/sandbox/sandbox-fonts.js';
import { renderTextLayer } from '../../src/providers/sandbox/text-layer.js';

export interface ChildRenders {
  /** Text layers (ink-cropped) keyed by text: with the packaged font, then with it withheld. */
  layers: Record<string, { width: number; height: number }>;
  withheldLayers: Record<string, { width: number; height: number }>;
  /** PNGs (base64) keyed by prompt, with the packaged fonts and with them withheld. */
  images: Record<string, string>;
  withheldImages: Record<string, string>;
  /** The first prompt rendered a second time. */
  again: string;
}

const { bars, prompts, width, height } = JSON.parse(process.argv[2]) as {
  bars: string[];
  prompts: string[];
  width: number;
  height: number;
};
const request = (prompt: string) =>
  ({
    kind: 'image',
    model: 'gpt-image-1',
    prompt,
    n: 1,
    width,
    height,
    references: [],
  }) as unknown as GenerationRequest;
const png = async (prompt: string, withheld: boolean) =>
  (
    await renderImage(request(prompt), null, 'png', {
      width,
      height,
      ...(withheld ? { fonts: { prompt: null, caption: null } } : {}),
    })
  ).toString('base64');

const out: ChildRenders = { layers: {}, withheldLayers: {}, images: {}, withheldImages: {}, again: '' };
// Withheld first: once a font file is registered, fontconfig would find it for the rest of the process.
for (const bar of bars) {
  const { width, height } = (await renderTextLayer([bar], { font: null, size: 48 }))!;
  out.withheldLayers[bar] = { width, height };
}
for (const prompt of prompts) out.withheldImages[prompt] = await png(prompt, true);
for (const bar of bars) {
  const { width, height } = (await renderTextLayer([bar], { font: PROMPT_FONT, size: 48 }))!;
  out.layers[bar] = { width, height };
}
for (const prompt of prompts) out.images[prompt] = await png(prompt, false);
out.again = await png(prompts[0], false);
process.stdout.write(JSON.stringify(out));
