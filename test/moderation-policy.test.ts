import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { jobErrorToApiError } from '../src/http/job-errors.js';
import {
  fromArkCode,
  fromBflStatus,
  fromGeminiBlockReason,
  fromGeminiFinishReason,
  fromOpenAIError,
  fromVeoFiltered,
  upstreamModerationError,
} from '../src/moderation/index.js';
import { promptViews } from '../src/moderation/prompt/normalise.js';
import { PromptPolicy } from '../src/moderation/prompt/prompt-policy.js';
import { loadTerms } from '../src/moderation/prompt/term-files.js';

interface PromptRow {
  prompt: string;
  expect: 'allow' | 'warn' | 'block';
  category?: string;
}
const table = JSON.parse(
  readFileSync(new URL('./fixtures/moderation/prompts.json', import.meta.url), 'utf8'),
) as PromptRow[];

describe('stage 2 prompt policy (built-in English and Chinese terms, default actions)', () => {
  const policy = new PromptPolicy({ actions: {}, terms: loadTerms([], false) });

  it(`the table of ${table.length} prompts (bench/moderation-eval.ts prints it) gets the expected decision for each`, () => {
    const decisions = table.map((row) => {
      const d = policy.evaluateLocal(row.prompt);
      return {
        prompt: row.prompt,
        decision: d.block ? 'block' : d.warnings.length ? 'warn' : 'allow',
        category: d.block?.category ?? d.warnings[0]?.category,
      };
    });
    expect(decisions).toEqual(
      table.map((row) => ({ prompt: row.prompt, decision: row.expect, category: row.category })),
    );
    expect(table.length).toBeGreaterThanOrEqual(100);
  });

  it('normalises case, full-width and circled letters, look-alikes, leet and spaced letters', () => {
    expect(promptViews('ＫＩＬＬ Ⓗⓘⓜ')).toMatchObject({ words: 'kill him' });
    expect(promptViews('kіll hіm').words).toBe('kill him');
    expect(promptViews('p0rn $ex 1080p 5 seconds')).toMatchObject({
      leet: 'porn sex iobop 5 seconds',
      words: 'p0rn ex 1080p 5 seconds',
    });
    expect(promptViews('s e x, k.i.l.l the man').joined).toBe('sex kill the man');
    expect(promptViews('杀 . 人').compact).toBe('杀人');
    expect(promptViews('Beyoncé\u200b').words).toBe('beyonce');
  });

  it('actions per category: off, warn and block', () => {
    const custom = new PromptPolicy({
      actions: { copyright: 'off', violence: 'warn', minors: 'block' },
      terms: loadTerms([], false),
    });
    expect(custom.evaluateLocal('Pikachu on a hill')).toMatchObject({ block: null, warnings: [] });
    expect(custom.evaluateLocal('a bloodbath')).toMatchObject({
      block: null,
      warnings: [{ category: 'violence', term: 'bloodbath' }],
    });
    expect(custom.evaluateLocal('a child flying a kite').block).toEqual({
      category: 'minors',
      term: 'child',
      scores: { minors: 1 },
      source: 'terms',
    });
  });
});

describe('operator term files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediagate-terms-'));
    await writeFile(
      join(dir, 'extra.yaml'),
      [
        'categories:',
        '  gambling:',
        '    words: [casino, roulette]',
        '    allow: [casino royale]',
        '  copyright:',
        '    exact: [moomin]',
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'broken.json'), JSON.stringify({ categories: { Bad: { words: ['x'] } } }));
    await writeFile(
      join(dir, 'bad-pattern.json'),
      JSON.stringify({ categories: { odd: { patterns: ['(unclosed'] } } }),
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('extend the built-in lists: new categories block by default, existing ones gain terms', () => {
    const policy = new PromptPolicy({ actions: {}, terms: loadTerms([join(dir, 'extra.yaml')], false) });
    expect(policy.evaluateLocal('a neon casino sign').block?.category).toBe('gambling');
    expect(policy.evaluateLocal('a poster for Casino Royale').block).toBeNull();
    expect(policy.evaluateLocal('Moomin in the snow').block?.category).toBe('copyright');
    expect(policy.evaluateLocal('Pikachu in the snow').block?.category).toBe('copyright');
  });

  it('replace them when replaceBuiltinTerms is set', () => {
    const policy = new PromptPolicy({ actions: {}, terms: loadTerms([join(dir, 'extra.yaml')], true) });
    expect(policy.evaluateLocal('Pikachu in the snow').block).toBeNull();
    expect(policy.evaluateLocal('roulette wheel').block?.category).toBe('gambling');
  });

  it('are checked when loaded, with errors that name the file and the problem', () => {
    expect(() => loadTerms([join(dir, 'broken.json')], false)).toThrow(
      `Moderation term file ${join(dir, 'broken.json')}: category "Bad" must be lower_snake_case`,
    );
    expect(() => new PromptPolicy({ actions: {}, terms: loadTerms([join(dir, 'bad-pattern.json')], false) })).toThrow(
      /pattern for "odd" is not a valid regular expression: \(unclosed/,
    );
    expect(() => loadTerms([join(dir, 'missing.json')], false)).toThrow(/Cannot read moderation term file/);
  });
});

describe('upstream moderation outcomes map into the gateway form', () => {
  it('upstreamModerationError gives the same 400 envelope as the gateway’s own blocks', () => {
    const error = upstreamModerationError(
      'output',
      'upstream_policy',
      'Your request was rejected by the safety system.',
    );
    expect(error).toEqual({
      code: 'content_policy_violation',
      stage: 'output',
      category: 'upstream_policy',
      message:
        "The upstream provider's review refused the result (category: upstream_policy): Your request was rejected by the safety system.",
    });
    expect(jobErrorToApiError(error).toBody()).toEqual({
      error: {
        message: error.message,
        type: 'invalid_request_error',
        param: 'output',
        code: 'content_policy_violation',
      },
    });
  });

  it('recognises BFL, Gemini, Ark, OpenAI and Veo signals and ignores others', () => {
    expect(fromBflStatus('Content Moderated', { 'Moderation Reasons': ['Derivative Works Filter'] })).toMatchObject({
      stage: 'output',
      category: 'derivative_works_filter',
    });
    expect(fromBflStatus('Request Moderated', null)).toMatchObject({ stage: 'prompt', category: 'upstream_policy' });
    expect(fromBflStatus('Ready', null)).toBeNull();
    expect(fromGeminiFinishReason('IMAGE_SAFETY')).toMatchObject({ stage: 'output', category: 'safety' });
    expect(fromGeminiFinishReason('IMAGE_RECITATION')).toMatchObject({ stage: 'output', category: 'copyright' });
    expect(fromGeminiFinishReason('STOP')).toBeNull();
    expect(fromGeminiBlockReason('PROHIBITED_CONTENT')).toMatchObject({
      stage: 'prompt',
      category: 'prohibited_content',
    });
    expect(fromArkCode('InputImageSensitiveContentDetected.PrivacyInformation', 'real person')).toMatchObject({
      stage: 'input_image',
      category: 'real_person',
    });
    expect(fromArkCode('OutputVideoSensitiveContentDetected', 'x')).toMatchObject({
      stage: 'output',
      category: 'sensitive_content',
    });
    expect(fromArkCode('InputTextSensitiveContentDetected', 'x')).toMatchObject({ stage: 'prompt' });
    expect(fromArkCode('InvalidParameter', 'x')).toBeNull();
    expect(fromOpenAIError('moderation_blocked', 'blocked')).toMatchObject({
      stage: 'prompt',
      category: 'upstream_policy',
    });
    expect(fromOpenAIError('rate_limit_exceeded', 'slow down')).toBeNull();
    expect(fromVeoFiltered(1, ['Audio was filtered.'])).toMatchObject({
      stage: 'output',
      message: expect.stringContaining('Audio was filtered.'),
    });
    expect(fromVeoFiltered(0, [])).toBeNull();
  });
});

describe('moderation configuration from the environment', () => {
  it('reads switches, maps and thresholds, merging over the defaults', () => {
    const config = loadConfig({
      MEDIAGATE_MODERATION_OUTPUT_THRESHOLDS: 'porn=0.9,sexy=off',
      MEDIAGATE_MODERATION_PROMPT_ACTIONS: 'copyright=warn',
      MEDIAGATE_MODERATION_MODEL_REFERENCES: 'gpt-image-1=block',
      MEDIAGATE_MODERATION_VIDEO_REFERENCES: 'warn',
      MEDIAGATE_MODERATION_INPUT_IMAGES: 'off',
    });
    expect(config.moderation).toMatchObject({
      enabled: true,
      inputImages: {
        enabled: false,
        realPerson: { video: 'warn', image: 'off' },
        models: { 'gpt-image-1': 'block' },
        minFaceScore: 0.5,
        maxFlatness: 0.55,
      },
      prompt: { enabled: true, actions: { copyright: 'warn' } },
      output: { enabled: true, thresholds: { porn: 0.9, sexy: null }, videoFrames: 4 },
    });
    expect(loadConfig({ MEDIAGATE_MODERATION: 'false' }).moderation.enabled).toBe(false);
    expect(() => loadConfig({ MEDIAGATE_MODERATION_VIDEO_REFERENCES: 'maybe' })).toThrow(
      /moderation\.inputImages\.realPerson\.video/,
    );
  });
});
