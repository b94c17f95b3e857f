import { foldText, promptViews, WORD_VIEWS, type PromptViews } from './normalise.js';
import type { TermCategoryData } from './term-data.js';

/** One category whose terms appear in a prompt. */
export interface TermMatch {
  category: string;
  /** The text that matched, as the matcher saw it (folded), for operators' logs. */
  term: string;
}

interface CompiledCategory {
  name: string;
  wordMatchers: RegExp[];
  compactMatchers: RegExp[];
  allowWords: RegExp | null;
  allowCompact: RegExp | null;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A term in the form the word views hold it: folded, punctuation as single spaces. */
const asWords = (term: string) =>
  foldText(term)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
const asCompact = (term: string) => foldText(term).replace(/[^\p{L}\p{N}]+/gu, '');
const ENDINGS = '(?:s|es|ed|d|ing|er|ers)?';
/** Not preceded or followed by a letter or digit: whole words only. */
const wordBounded = (body: string) => new RegExp(`(?<![\\p{L}\\p{N}])(?:${body})(?![\\p{L}\\p{N}])`, 'u');

function compileRegex(source: string, category: string, flags = 'u'): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new Error(
      `Moderation term pattern for "${category}" is not a valid regular expression: ${source} (${(err as Error).message})`,
    );
  }
}

function compileCategory(name: string, data: TermCategoryData): CompiledCategory {
  const listed = [
    ...(data.words ?? []).map((w) => ({ text: asWords(w), endings: true })),
    ...(data.exact ?? []).map((w) => ({ text: asWords(w), endings: false })),
  ];
  // A phrase also matches written as one word, which is what spaced-out letters join into ("t.a.y.l.o.r s.w.i.f.t").
  const joined = listed.filter((t) => t.text.includes(' ')).map((t) => ({ ...t, text: t.text.replace(/ /g, '') }));
  // Longest first, so a phrase wins over a word it starts with.
  const terms = [...listed, ...joined].filter((t) => t.text).sort((a, b) => b.text.length - a.text.length);
  const wordMatchers: RegExp[] = [];
  if (terms.length > 0)
    wordMatchers.push(
      wordBounded([...new Set(terms.map((t) => `${escapeRegExp(t.text)}${t.endings ? ENDINGS : ''}`))].join('|')),
    );
  for (const pattern of data.patterns ?? []) wordMatchers.push(compileRegex(pattern, name));

  const substrings = [...new Set((data.substrings ?? []).map(asCompact).filter(Boolean))];
  const compactMatchers: RegExp[] = [];
  if (substrings.length > 0) compactMatchers.push(new RegExp(substrings.map(escapeRegExp).join('|'), 'u'));
  for (const pattern of data.compactPatterns ?? []) compactMatchers.push(compileRegex(pattern, name));

  const allowWords = [...new Set((data.allow ?? []).map(asWords).filter(Boolean))].sort((a, b) => b.length - a.length);
  const allowCompact = [...new Set((data.allow ?? []).map(asCompact).filter(Boolean))].sort(
    (a, b) => b.length - a.length,
  );
  return {
    name,
    wordMatchers,
    compactMatchers,
    allowWords:
      allowWords.length > 0
        ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${allowWords.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'gu')
        : null,
    allowCompact: allowCompact.length > 0 ? new RegExp(allowCompact.map(escapeRegExp).join('|'), 'gu') : null,
  };
}

/**
 * Finds which policy categories a prompt touches. Pure string work: the views are computed once per
 * prompt and every category is a handful of precompiled regular expressions.
 */
export class TermMatcher {
  private readonly categories: CompiledCategory[];

  constructor(data: Record<string, TermCategoryData>) {
    this.categories = Object.entries(data).map(([name, entry]) => compileCategory(name, entry));
  }

  get categoryNames(): string[] {
    return this.categories.map((c) => c.name);
  }

  match(prompt: string): TermMatch[] {
    const views = promptViews(prompt);
    const matches: TermMatch[] = [];
    for (const category of this.categories) {
      const term = this.matchCategory(category, views);
      if (term !== null) matches.push({ category: category.name, term });
    }
    return matches;
  }

  private matchCategory(category: CompiledCategory, views: PromptViews): string | null {
    if (category.wordMatchers.length > 0) {
      for (const view of WORD_VIEWS) {
        // Harmless phrases leave a gap, so "kill the lights and kill him" still matches "kill him".
        const text = category.allowWords ? views[view].replace(category.allowWords, ' | ') : views[view];
        for (const matcher of category.wordMatchers) {
          const found = matcher.exec(text);
          if (found) return found[0];
        }
      }
    }
    if (category.compactMatchers.length > 0) {
      const text = category.allowCompact ? views.compact.replace(category.allowCompact, '|') : views.compact;
      for (const matcher of category.compactMatchers) {
        const found = matcher.exec(text);
        if (found) return found[0];
      }
    }
    return null;
  }
}
