/*
 * The sandbox's font has no Hangul syllables (U+AC00–D7A3) but does have the Hangul compatibility
 * letters (U+3131–318E), so a Korean prompt is drawn letter by letter (한 → ㅎㅏㄴ) rather than as
 * boxes. Unicode's syllable arithmetic: syllable = 0xAC00 + (lead × 21 + vowel) × 28 + tail.
 */
const LEADS = 'ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ';
const VOWELS = 'ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ';
const TAILS = ['', ...'ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ'];

/** `text` with each precomposed Hangul syllable replaced by its letters; everything else unchanged. */
export function spellHangul(text: string): string {
  return text.replace(/[\uac00-\ud7a3]/g, (syllable) => {
    const offset = syllable.charCodeAt(0) - 0xac00;
    return LEADS[Math.floor(offset / 588)] + VOWELS[Math.floor((offset % 588) / 28)] + TAILS[offset % 28];
  });
}

/** How much closer (in ems) the letters of a spelled word are drawn, so words read as words. */
export const HANGUL_LETTER_TIGHTENING = 0.3;

/** Pango markup drawing each run of Hangul letters in `markup` closer together. */
export function tightenHangulLetters(markup: string, sizePx: number): string {
  // Pango's letter_spacing is in 1024ths of a point; at 72 dpi a point is a pixel.
  const spacing = Math.round(-HANGUL_LETTER_TIGHTENING * sizePx * 1024);
  return markup.replace(/[\u3131-\u318e]+/g, (run) => `<span letter_spacing="${spacing}">${run}</span>`);
}
