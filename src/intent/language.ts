import type { Language } from './types.js';

/** Han characters (CJK Unified Ideographs, extension A, compatibility ideographs). */
const HAN = /[\u3400-\u9fff\uf900-\ufaff]/g;
/** A run of Latin letters, accents included: one English word. */
const LATIN_WORD = /\p{Script=Latin}+/gu;

function chineseWins(text: string): boolean | undefined {
  const han = text.match(HAN)?.length ?? 0;
  const words = text.match(LATIN_WORD)?.length ?? 0;
  if (han === 0 && words === 0) return undefined;
  // A Chinese word is one or two characters, so a character is weighed against a whole Latin word.
  return han >= words;
}

/**
 * The language the answer is written in: Chinese when the prompt, with its directives removed, has
 * at least as many Han characters as Latin words; otherwise English. One directive word (`横屏`) in an
 * English sentence does not change it. A prompt that is nothing but directives is judged as written.
 */
export function detectLanguage(prompt: string, asWritten: string = prompt): Language {
  return (chineseWins(prompt) ?? chineseWins(asWritten)) ? 'zh' : 'en';
}
