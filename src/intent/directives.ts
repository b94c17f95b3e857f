import { stripControlCharacters } from './control-characters.js';
import { detectLanguage } from './language.js';
import type { ParsedPrompt, PromptDirectives } from './types.js';

/**
 * Directives users write into prompts (横屏, `--ar 16:9`, `duration: 5 seconds`, …). Each rule is a
 * named pattern with an extractor; rules run in order and every match they accept is cut out of the
 * prompt. An extractor returns false to leave its match in the text (e.g. `1990s` is a decade).
 *
 * Words that are only sometimes directives ("a portrait of a woman", "landscape painting") are left
 * alone unless written in an explicit form such as `orientation: portrait`.
 */
interface DirectiveRule {
  name: string;
  pattern: RegExp;
  extract(match: RegExpExecArray, into: PromptDirectives): boolean;
}

/** Ratios people actually ask for; other `a:b` pairs (times, verses) stay text. */
const KNOWN_RATIOS = new Set([
  '16:9',
  '9:16',
  '1:1',
  '4:3',
  '3:4',
  '3:2',
  '2:3',
  '21:9',
  '9:21',
  '5:4',
  '4:5',
  '2:1',
  '1:2',
]);

const ORIENTATIONS: Record<string, string> = {
  landscape: '16:9',
  horizontal: '16:9',
  wide: '16:9',
  portrait: '9:16',
  vertical: '9:16',
  square: '1:1',
};

const CJK_ORIENTATIONS: Record<string, string> = {
  横屏: '16:9',
  宽屏: '16:9',
  竖屏: '9:16',
  窄屏: '9:16',
  正方形: '1:1',
  方形: '1:1',
};

const CHINESE_DIGITS: Record<string, number> = {
  一: 1,
  两: 2,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  十: 10,
};

const SECONDS_UNIT = String.raw`(?:seconds?|secs?|s)`;

/** `her 30s`, `the 80s`, `early 90s`, `mid-70s`: an age or a decade, not a duration. */
const DECADE_BEFORE = String.raw`(?<!\b(?:the|her|his|their|my|your|our|its|early|late|mid)[\s-])`;
/** `90s fashion`, `80s look`: a decade describing a style. */
const DECADE_NOUNS = String.raw`fashion|style|styles|look|looks|vibe|vibes|era|aesthetic|music|hair|hairstyle|decor|design|movie|movies|film|films|cartoon|cartoons|anime|poster|posters|kid|kids|pop|rock|disco|retro|vintage|sitcom`;
/**
 * `iPhone 5s`, `5s Nike shoes`: a number glued to a product name. A camel-case word before it or a
 * capitalised word right after it reads as a name, so the text stays.
 */
const PRODUCT_BEFORE = String.raw`(?<!\b[a-z]+[A-Z][A-Za-z]*\s)`;
const PRODUCT_AFTER = String.raw`(?!\s+[A-Z])`;

/** `the score was 2:1`, `won 3:2`: a score, not a ratio. */
const SCORE_BEFORE = String.raw`(?<!\b(?:score|scores|scored|won|lost|beat|beats|lead|leads|led|wins?)\s+(?:(?:was|is|of)\s+)?)`;

/** Chinese characters and full-width punctuation: no space is left where a directive between them was cut. */
const CJK_CONTEXT = /[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]/;

function setRatio(into: PromptDirectives, w: string, h: string, requireKnown: boolean): boolean {
  const ratio = `${Number(w)}:${Number(h)}`;
  if (Number(w) <= 0 || Number(h) <= 0) return false;
  if (requireKnown && !KNOWN_RATIOS.has(ratio)) return false;
  into.aspectRatio ??= ratio;
  return true;
}

function setSeconds(into: PromptDirectives, value: string): boolean {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) return false;
  into.seconds ??= seconds;
  return true;
}

function setSize(into: PromptDirectives, w: string, h: string): boolean {
  const width = Number(w);
  const height = Number(h);
  if (width < 64 || height < 64 || width > 8192 || height > 8192) return false;
  into.size ??= { width, height };
  return true;
}

const rule = (name: string, pattern: RegExp, extract: DirectiveRule['extract']): DirectiveRule => ({
  name,
  pattern,
  extract,
});

export const DIRECTIVE_RULES: readonly DirectiveRule[] = [
  // Flag forms first: they are unambiguous and may contain text other rules would read.
  rule('negative-flag', /(?:^|\s)--no\s+(.+?)(?=\s+--[a-z]|$)/gim, (m, d) => {
    d.negativePrompt ??= m[1].trim().replace(/[,，;；]+$/, '');
    return d.negativePrompt.length > 0;
  }),
  rule('negative-label', /(?:negative[ _-]prompt|反向提示词|负面提示词)\s*[:：=]\s*([^\n]+)/gi, (m, d) => {
    d.negativePrompt ??= m[1].trim();
    return true;
  }),
  rule('ratio-flag', /(?:^|\s)--(?:ar|aspect|aspect-ratio)\s+(\d{1,2})\s*[:：]\s*(\d{1,2})\b/gi, (m, d) =>
    setRatio(d, m[1], m[2], false),
  ),
  rule('ratio-label', /(?:aspect[ _-]?ratio|画面比例|比例)\s*[:：=]?\s*(\d{1,2})\s*[:：]\s*(\d{1,2})(?!\d)/gi, (m, d) =>
    setRatio(d, m[1], m[2], false),
  ),
  rule(
    'orientation-label',
    /(?:--orientation\s+|(?:orientation|format)\s*[:：=]\s*)(landscape|portrait|square|horizontal|vertical|wide)\b/gi,
    (m, d) => {
      d.aspectRatio ??= ORIENTATIONS[m[1].toLowerCase()];
      return true;
    },
  ),
  rule('size-flag', /(?:--size\s+|\bsize\s*[:：=]\s*)(\d{2,5})\s*[x×*]\s*(\d{2,5})\b/gi, (m, d) =>
    setSize(d, m[1], m[2]),
  ),
  rule('resolution', /(?:--resolution\s+|\bresolution\s*[:：=]\s*|分辨率\s*[:：]?\s*)(\d{3,4}p|[248]k)\b/gi, (m, d) => {
    d.resolution ??= m[1].toLowerCase();
    return true;
  }),
  rule(
    'duration-flag',
    new RegExp(
      String.raw`(?:--(?:duration|dur|seconds)\s+|\bduration\s*[:：=]\s*)(\d+(?:\.\d+)?)\s*(?:${SECONDS_UNIT}\b)?`,
      'gi',
    ),
    (m, d) => setSeconds(d, m[1]),
  ),
  rule('duration-zh', /(?:视频)?时长\s*[:：为]?\s*(\d+(?:\.\d+)?)\s*(?:秒钟?的?|s)?/gi, (m, d) => setSeconds(d, m[1])),
  rule('seed', /(?:--seed\s+|\bseed\s*[:：=]\s*|种子\s*[:：]?\s*)(\d{1,10})\b/gi, (m, d) => {
    d.seed ??= Number(m[1]);
    return true;
  }),
  rule('count-flag', /(?:^|\s)--(?:n|count|images)\s+(\d{1,2})\b/gi, (m, d) => {
    d.n ??= Number(m[1]);
    return true;
  }),
  rule('quality', /(?:--quality\s+|\bquality\s*[:：=]\s*)(low|medium|high|standard|hd|auto)\b/gi, (m, d) => {
    d.quality ??= m[1].toLowerCase();
    return true;
  }),
  rule('size-bare', /(?<![\w.])(\d{3,4})\s*[x×*]\s*(\d{3,4})(?![\w.])/g, (m, d) => setSize(d, m[1], m[2])),
  rule('seconds-zh', /(\d+(?:\.\d+)?)\s*秒钟?的?/g, (m, d) => setSeconds(d, m[1])),
  rule('seconds-hyphen', /\b(\d{1,2})-(?:second|sec)\b/gi, (m, d) => setSeconds(d, m[1])),
  // `10s` / `10 sec`: at most two digits, and not a decade or age (`1990s`, `'80s`, `her 30s`,
  // `90s fashion`) nor part of a product name (`iPhone 5s`). Case-sensitive for PRODUCT_AFTER.
  rule(
    'seconds-short',
    new RegExp(
      String.raw`(?<![\w.'’])${DECADE_BEFORE}${PRODUCT_BEFORE}(\d{1,2}(?:\.\d+)?)\s?(?:[sS]|[sS][eE][cC][sS]?)(?![\w'’])${PRODUCT_AFTER}(?!(?<=\b[2-9]0s)\s+(?:${DECADE_NOUNS})\b)`,
      'g',
    ),
    (m, d) => setSeconds(d, m[1]),
  ),
  // `10 seconds` only where it reads as a length: at the end, or before "long", "video", "clip".
  rule(
    'seconds-long',
    /(?<![\w.])(\d{1,2}(?:\.\d+)?)\s*seconds?(?=\s*(?:long\b|video\b|clip\b|[,.;!?，。；！？)]*\s*$))/gim,
    (m, d) => setSeconds(d, m[1]),
  ),
  // Not `第2张` ("the second image").
  rule('count-zh', /(?<!第\s*)(\d{1,2}|[一两二三四五六七八九十])\s*张(?:图片|图)?/g, (m, d) => {
    d.n ??= CHINESE_DIGITS[m[1]] ?? Number(m[1]);
    return true;
  }),
  // 横屏/竖屏/宽屏/窄屏 name a screen format (`横屏的视频` too). 方形 is also a shape (`方形的盒子`,
  // `长方形`), so it is a directive only standing alone or before a word for the picture itself.
  rule(
    'orientation-zh',
    /(横屏|宽屏|竖屏|窄屏)的?|(?<![长立菱])(正方形|方形)(?=$|[\s,，。.;；、!！?？:：)）]|画面|构图|比例|尺寸|格式|图片|图像|照片|视频|图)/g,
    (m, d) => {
      d.aspectRatio ??= CJK_ORIENTATIONS[m[1] ?? m[2]];
      return true;
    },
  ),
  // A bare known ratio, unless it reads as a clock time (`at 16:30`, `9:16 pm`), a score (`won 2:1`)
  // or a proportion (`the 1:1 ratio of flour to water`). A following "ratio" is part of it.
  rule(
    'ratio-bare',
    new RegExp(
      String.raw`(?<![\d:：.])(?<!\bat\s)(?<!\bat\sthe\s)${SCORE_BEFORE}(\d{1,2})\s*[:：]\s*(\d{1,2})(?![\d:：.])(?!\s*(?:am|pm|a\.m\.|p\.m\.)\b)(?!\s*(?:aspect\s+)?ratio\s+(?:of|between)\b)(?:\s*(?:aspect\s+)?ratio\b)?`,
      'gi',
    ),
    (m, d) => setRatio(d, m[1], m[2], true),
  ),
];

/** Tidies what is left once directives are cut out: spacing, orphaned separators, empty brackets. */
function tidy(text: string): string {
  return text
    .replace(/[(（]\s*[)）]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\s+([,.;!?，。；！？、：])/g, '$1')
    .replace(/([,，、;；])(\s*[,，、;；])+/g, '$1')
    .replace(/^[\s,，、;；:：|\-–—]+/, '')
    .replace(/[\s,，、;；:：|\-–—]+$/, '')
    .trim();
}

export function parsePrompt(raw: string): ParsedPrompt {
  // First, so nothing after this (directives, moderation, upstreams, the renderer) sees them.
  const text = stripControlCharacters(raw);
  const directives: PromptDirectives = {};
  let prompt = text;
  for (const { pattern, extract } of DIRECTIVE_RULES) {
    prompt = prompt.replace(pattern, (...args) => {
      // Named groups are not used, so the last two arguments are the offset and the whole text.
      const [offset, whole] = args.slice(-2) as [number, string];
      const match = args.slice(0, -2) as unknown as RegExpExecArray;
      if (!extract(match, directives)) return match[0];
      const between =
        whole.slice(offset - 1, offset) + whole.slice(offset + match[0].length, offset + match[0].length + 1);
      return between.length === 2 && [...between].every((c) => CJK_CONTEXT.test(c)) ? '' : ' ';
    });
  }
  const tidied = tidy(prompt);
  return { prompt: tidied, directives, language: detectLanguage(tidied, text) };
}
