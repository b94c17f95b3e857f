import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import en from './terms/en.json' with { type: 'json' };
import zh from './terms/zh.json' with { type: 'json' };
import { mergeTermFiles, validateTermFile, type TermCategoryData } from './term-data.js';

/** The built-in English and Chinese lists, plus operators' files (JSON or YAML), or only the latter. */
export function loadTerms(files: string[], replaceBuiltin: boolean): Record<string, TermCategoryData> {
  const builtin = replaceBuiltin ? [] : [validateTermFile(en, 'terms/en.json'), validateTermFile(zh, 'terms/zh.json')];
  const extra = files.map((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`Cannot read moderation term file ${path}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
    } catch (err) {
      throw new Error(
        `Moderation term file ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
      );
    }
    return validateTermFile(parsed, path);
  });
  return mergeTermFiles([...builtin, ...extra]);
}
