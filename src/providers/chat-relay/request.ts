import type { GenerationRequest } from '../../intent/types.js';
import { withAvoidLine } from '../avoid-line.js';
import { dataUrlOf, type ReferenceImage } from '../reference-data.js';
import type { RelayOptions } from './options.js';

/** The ratio words relays document (seed 003: 横屏, 竖屏 at the end of the prompt). */
const RATIO_WORDS: Record<string, string> = { '16:9': '横屏', '9:16': '竖屏' };

/**
 * The prompt the relay sees: our cleaned prompt with the resolved parameters written back in the
 * forms the seeds document, since a relay has no fields for them — `duration: N seconds` (seed
 * 004) and 横屏/竖屏 (seed 003) for videos, other ratios as `W:H`; images get `aspect ratio: W:H`
 * unless square. A negative prompt becomes an "Avoid:" line.
 */
export function relayPrompt(req: GenerationRequest, options: RelayOptions): string {
  const extras: string[] = [];
  if (req.kind === 'video') {
    if (options.durationStyle === 'directive' && req.seconds !== undefined)
      extras.push(`duration: ${req.seconds} seconds`);
    if (options.ratioStyle === 'words') extras.push(RATIO_WORDS[req.aspectRatio] ?? req.aspectRatio);
    else if (options.ratioStyle === 'ratio') extras.push(req.aspectRatio);
  } else if (options.ratioStyle !== 'none' && req.aspectRatio !== '1:1') {
    extras.push(`aspect ratio: ${req.aspectRatio}`);
  }
  const text = [req.prompt, ...extras].filter(Boolean).join(' ');
  return withAvoidLine(text, req.negativePrompt);
}

/**
 * A chat completion exactly like the seeds': a plain string message without references (seed 001),
 * else text plus one `image_url` part per reference, each as a `data:` URL (seeds 003/004 show
 * URLs; our references are stored locally and need not be reachable from the relay).
 */
export function relayBody(
  model: string,
  prompt: string,
  references: ReferenceImage[],
  stream: boolean,
): Record<string, unknown> {
  const content =
    references.length === 0
      ? prompt
      : [
          { type: 'text', text: prompt },
          ...references.map((ref) => ({ type: 'image_url', image_url: { url: dataUrlOf(ref) } })),
        ];
  return { model, stream, messages: [{ role: 'user', content }] };
}
