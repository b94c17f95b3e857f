/**
 * The shape of a term file (`src/moderation/prompt/terms/*.json`, or an operator's own JSON/YAML).
 * Every string is compared after the folding in normalise.ts, so write terms in plain lower case.
 */
export interface TermCategoryData {
  /** Whole words or phrases (Latin script); `s`, `es`, `ed`, `d`, `ing`, `er`, `ers` endings match too. */
  words?: string[];
  /** Whole words or phrases matched exactly, without endings: names and brands ("messi" must not match "messier"). */
  exact?: string[];
  /** Regular expressions (Unicode) tested against the word views: lower case, words separated by one space. */
  patterns?: string[];
  /** Literal strings found anywhere once spaces and punctuation are removed; meant for Chinese. */
  substrings?: string[];
  /** Regular expressions tested against that compact text (Chinese phrases with a gap, ages…). */
  compactPatterns?: string[];
  /** Harmless phrases removed before this category is matched ("kill the lights", "望子成龙"). */
  allow?: string[];
}

export interface TermFileData {
  /** Free text for people editing the file. */
  description?: string;
  categories: Record<string, TermCategoryData>;
}

const LISTS = ['words', 'exact', 'patterns', 'substrings', 'compactPatterns', 'allow'] as const;

/** Checks a parsed term file's shape; `source` names it in the error. */
export function validateTermFile(data: unknown, source: string): TermFileData {
  const fail = (why: string): never => {
    throw new Error(`Moderation term file ${source}: ${why}`);
  };
  if (typeof data !== 'object' || data === null) fail('expected an object with a "categories" map');
  const categories = (data as { categories?: unknown }).categories;
  if (typeof categories !== 'object' || categories === null || Array.isArray(categories))
    fail('"categories" must map category names to term lists');
  for (const [name, entry] of Object.entries(categories as Record<string, unknown>)) {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) fail(`category "${name}" must be lower_snake_case`);
    if (typeof entry !== 'object' || entry === null) fail(`category "${name}" must be an object`);
    for (const [key, list] of Object.entries(entry as Record<string, unknown>)) {
      if (!(LISTS as readonly string[]).includes(key))
        fail(`category "${name}" has unknown key "${key}" (expected ${LISTS.join(', ')})`);
      if (!Array.isArray(list) || list.some((item) => typeof item !== 'string'))
        fail(`"${name}.${key}" must be a list of strings`);
    }
  }
  return data as TermFileData;
}

/** Several term files combined: the lists of a category are concatenated. */
export function mergeTermFiles(files: TermFileData[]): Record<string, TermCategoryData> {
  const merged: Record<string, Required<TermCategoryData>> = {};
  for (const file of files) {
    for (const [name, entry] of Object.entries(file.categories)) {
      merged[name] ??= {
        words: [],
        exact: [],
        patterns: [],
        substrings: [],
        compactPatterns: [],
        allow: [],
      };
      const target = merged[name];
      for (const key of LISTS) target[key].push(...(entry[key] ?? []));
    }
  }
  return merged;
}
