import { createRequire } from 'node:module';

/**
 * The fonts the sandbox draws text with, shipped in an npm package so that prompts in Chinese,
 * Japanese and Latin render the same legible way on every machine, including one with no system
 * fonts at all: the files are registered with fontconfig for this process only (sharp's `fontfile`),
 * never looked up among the machine's fonts. Noto Sans SC covers Latin, Han and kana; Hangul
 * syllables, which it lacks, are drawn with Noto Sans KR of the same weight.
 */
const resolve = createRequire(import.meta.url).resolve;

export interface SandboxFont {
  /** Pango font description without the size, e.g. `Noto Sans SC Bold`. */
  description: string;
  file: string;
  /** The font Korean runs are drawn with (its family name and file). */
  hangul: { family: string; file: string };
}

export const PROMPT_FONT: SandboxFont = {
  description: 'Noto Sans SC Bold',
  file: resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'),
  hangul: { family: 'Noto Sans KR', file: resolve('@expo-google-fonts/noto-sans-kr/700Bold/NotoSansKR_700Bold.ttf') },
};

export const CAPTION_FONT: SandboxFont = {
  description: 'Noto Sans SC',
  file: resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
  hangul: {
    family: 'Noto Sans KR',
    file: resolve('@expo-google-fonts/noto-sans-kr/400Regular/NotoSansKR_400Regular.ttf'),
  },
};
