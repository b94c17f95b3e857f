/**
 * Text as the policy matcher sees it. People dodge word lists with full-width letters, look-alike
 * letters from other scripts, digits for letters and separators between letters ("ｋｉｌｌ",
 * "kіll" with a Cyrillic і, "k1ll", "k.i.l.l", "s e x"); each view below undoes one family of
 * tricks, and a term matches when it appears in any view.
 */
export interface PromptViews {
  /** Case-folded, NFKC, diacritics and look-alikes mapped to Latin, punctuation turned to spaces. */
  words: string;
  /** `words` with digits and symbols read as letters inside words ("p0rn", "$ex", "k1ll"). */
  leet: string;
  /** Like `leet`, reading `1` as `l` ("ki11"). */
  leetL: string;
  /** `leet` with runs of single letters joined ("k i l l", "k.i.l.l" → "kill"). */
  joined: string;
  /** Letters and digits only, nothing between them: for Chinese terms and separator tricks ("杀.人"). */
  compact: string;
}

/** Invisible characters used to split words without showing a gap. */
const INVISIBLE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: the combining and joining marks are listed one by one on purpose, to be removed.
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]/gu;

/** Letters from other scripts (and a few Latin ones NFD does not split) that look like Latin letters. */
const LOOK_ALIKES: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  з: '3',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  п: 'n',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ь: 'b',
  г: 'r',
  // Greek
  α: 'a',
  β: 'b',
  γ: 'y',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  ς: 's',
  σ: 'o',
  // Latin letters without a decomposition, IPA and small capitals
  ø: 'o',
  đ: 'd',
  ł: 'l',
  ħ: 'h',
  ı: 'i',
  ɡ: 'g',
  ɑ: 'a',
  ɩ: 'i',
  ʀ: 'r',
  ꜱ: 's',
  ᴋ: 'k',
  ᴏ: 'o',
  ᴇ: 'e',
  ɪ: 'i',
  ʟ: 'l',
  ᴘ: 'p',
  ɴ: 'n',
  ᴛ: 't',
  ᴜ: 'u',
  ᴍ: 'm',
  ʜ: 'h',
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ɢ: 'g',
  ᴊ: 'j',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z',
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  þ: 'th',
};
const LOOK_ALIKE_PATTERN = new RegExp(`[${Object.keys(LOOK_ALIKES).join('')}]`, 'gu');

/** Digits and symbols commonly typed for letters. */
const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
  '€': 'e',
  '£': 'l',
  '+': 't',
};

/** A token mixing letters with leet characters, e.g. `p0rn`, `$ex`, `k!ll` (a plain number is left alone). */
const LEET_TOKEN = /[\p{L}0-9@$!|€£+]+/gu;
const HAS_LETTER = /\p{L}/u;

/**
 * Three or more single letters with the same separator between each ("k i l l", "k.i.l.l",
 * "s - e - x"), joined back into a word; a different separator ends the word, so
 * "t.a.y.l.o.r s.w.i.f.t" becomes "taylor swift".
 */
const SPACED_LETTERS = /(?<![\p{L}\p{N}])\p{L}([^\p{L}\p{N}]{1,3})\p{L}(?:\1\p{L})+(?![\p{L}\p{N}])/gu;
const joinSpaced = (text: string) => text.replace(SPACED_LETTERS, (run) => run.replace(/[^\p{L}]+/gu, ''));

function readLeet(text: string, one: string): string {
  return text.replace(LEET_TOKEN, (token) => {
    if (!HAS_LETTER.test(token)) return token;
    let out = '';
    for (const c of token) out += c === '1' ? one : (LEET[c] ?? c);
    return out;
  });
}

/** Everything that is not a letter or digit becomes one space. */
const toWords = (text: string) => text.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/** Case, compatibility forms (full-width, circled, mathematical letters), diacritics and look-alikes. */
export function foldText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .normalize('NFC')
    .replace(LOOK_ALIKE_PATTERN, (c) => LOOK_ALIKES[c] ?? c);
}

export function promptViews(text: string): PromptViews {
  const folded = foldText(text);
  const leet = readLeet(folded, 'i');
  return {
    words: toWords(folded),
    leet: toWords(leet),
    leetL: toWords(readLeet(folded, 'l')),
    joined: toWords(joinSpaced(leet)),
    compact: folded.replace(/[^\p{L}\p{N}]+/gu, ''),
  };
}

/** The views that hold words separated by spaces (`compact` holds none). */
export const WORD_VIEWS = ['words', 'leet', 'leetL', 'joined'] as const satisfies readonly (keyof PromptViews)[];
