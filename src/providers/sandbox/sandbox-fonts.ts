import { createRequire } from 'node:module';

/**
 * The fonts the sandbox draws text with, shipped in an npm package so that prompts in Chinese,
 * Japanese and Latin render the same legible way on every machine, including one with no system
 * fonts at all: the files are registered with fontconfig for this process only (sharp's `fontfile`),
 * never looked up among the machine's fonts. Noto Sans SC covers Latin, Han, kana and the Hangul
 * compatibility letters, but not Hangul syllables (see `hangul-letters.ts`).
 */
const resolve = createRequire(import.meta.url).resolve;

export interface SandboxFont {
  /** Pango font description without the size, e.g. `Noto Sans SC Bold`. */
  description: string;
  file: string;
}

export const PROMPT_FONT: SandboxFont = {
  description: 'Noto Sans SC Bold',
  file: resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'),
};

export const CAPTION_FONT: SandboxFont = {
  description: 'Noto Sans SC',
  file: resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
};
