import { describe, expect, it } from 'vitest';
import { detectLanguage, parsePrompt } from '../src/intent/index.js';

/** The answer's language: the prompt's own, with directives removed (src/intent/language.ts). */
describe('the language of the answer', () => {
  it.each([
    ['A cat on the beach duration: 5 seconds 横屏', 'en'],
    ['a cat 横屏', 'en'],
    ['a cat 16:9', 'en'],
    ['一只猫在海边 16:9', 'zh'],
    ['一只猫在海边 --ar 16:9 duration: 5 seconds', 'zh'],
    ['画一只戴着 Gucci 帽子的猫', 'zh'],
    ['一只猫 wearing a hat', 'zh'],
    ['A neon sign that reads 欢迎光临 above a door', 'en'],
    ['Café crème sur la table', 'en'],
    ['横屏', 'zh'],
    ['16:9', 'en'],
  ] as const)('%j is answered in %s', (prompt, language) => {
    expect(parsePrompt(prompt).language).toBe(language);
  });

  it('weighs Han characters against Latin words; a tie goes to Chinese', () => {
    expect(detectLanguage('猫狗 two dogs')).toBe('zh');
    expect(detectLanguage('猫 two dogs')).toBe('en');
    expect(detectLanguage('')).toBe('en');
  });

  it('judges a prompt that is only directives as written', () => {
    expect(detectLanguage('', '竖屏 5秒')).toBe('zh');
    expect(detectLanguage('', '--ar 9:16')).toBe('en');
  });
});
