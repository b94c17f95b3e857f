import { describe, expect, it } from 'vitest';
import { adjustmentLines } from '../src/intent/adjustment-text.js';
import { findModel, type ModelSpec } from '../src/catalog/index.js';
import { GenerationError } from '../src/errors/generation-error.js';
import { generationErrorToApiError } from '../src/http/generation-error-response.js';
import { parsePrompt, resolveGeneration } from '../src/intent/index.js';
import type { PromptDirectives } from '../src/intent/types.js';

/** [prompt as the user wrote it, prompt sent upstream, directives found] */
type Case = [input: string, upstream: string, directives: PromptDirectives];

const CHINESE: Case[] = [
  ['一只猫在草地上奔跑 横屏', '一只猫在草地上奔跑', { aspectRatio: '16:9' }],
  ['女孩跳舞 竖屏', '女孩跳舞', { aspectRatio: '9:16' }],
  ['一个苹果 方形', '一个苹果', { aspectRatio: '1:1' }],
  ['海边日落 宽屏', '海边日落', { aspectRatio: '16:9' }],
  ['城市夜景 窄屏', '城市夜景', { aspectRatio: '9:16' }],
  ['生成一个竖屏视频', '生成一个视频', { aspectRatio: '9:16' }],
  ['横屏的视频，一只猫', '视频，一只猫', { aspectRatio: '16:9' }],
  ['方形图片 猫', '图片 猫', { aspectRatio: '1:1' }],
  ['waves 10秒', 'waves', { seconds: 10 }],
  ['海浪 时长10秒', '海浪', { seconds: 10 }],
  ['20秒的视频', '视频', { seconds: 20 }],
  ['一个女孩在跳舞，时长：8秒，竖屏', '一个女孩在跳舞', { seconds: 8, aspectRatio: '9:16' }],
  ['生成2张 猫的图片', '生成 猫的图片', { n: 2 }],
  ['生成三张图 小狗', '生成 小狗', { n: 3 }],
  ['画两张图片：猫', '画：猫', { n: 2 }],
  ['一只狗在图片出场景中跑步 竖屏 时长3秒', '一只狗在图片出场景中跑步', { aspectRatio: '9:16', seconds: 3 }],
];

const ENGLISH: Case[] = [
  ['a cat 16:9', 'a cat', { aspectRatio: '16:9' }],
  ['a cat 9:16', 'a cat', { aspectRatio: '9:16' }],
  ['a cat 1:1', 'a cat', { aspectRatio: '1:1' }],
  ['a cat 4:3', 'a cat', { aspectRatio: '4:3' }],
  ['a cat 21:9', 'a cat', { aspectRatio: '21:9' }],
  ['a cat, 16 : 9', 'a cat', { aspectRatio: '16:9' }],
  ['a cat, 16:9 ratio', 'a cat', { aspectRatio: '16:9' }],
  ['a 16:9 cinematic shot', 'a cinematic shot', { aspectRatio: '16:9' }],
  ['a cat --ar 16:9', 'a cat', { aspectRatio: '16:9' }],
  // The flag form takes any ratio; resolveGeneration snaps it later.
  ['a cat --ar 7:5', 'a cat', { aspectRatio: '7:5' }],
  ['a cat, aspect ratio: 4:3', 'a cat', { aspectRatio: '4:3' }],
  ['aspect ratio 21:9 city', 'city', { aspectRatio: '21:9' }],
  ['a cat, orientation: portrait', 'a cat', { aspectRatio: '9:16' }],
  ['a cat orientation: landscape', 'a cat', { aspectRatio: '16:9' }],
  ['--orientation vertical cat', 'cat', { aspectRatio: '9:16' }],
  ['format: square cat', 'cat', { aspectRatio: '1:1' }],
  ['astronaut dog, duration: 5 seconds', 'astronaut dog', { seconds: 5 }],
  ['duration: 5.5 seconds waves', 'waves', { seconds: 5.5 }],
  ['waves at dusk 10s', 'waves at dusk', { seconds: 10 }],
  ['waves --duration 10', 'waves', { seconds: 10 }],
  ['waves, 8 seconds', 'waves', { seconds: 8 }],
  ['a 10 seconds video of rain', 'a video of rain', { seconds: 10 }],
  ['a 3-second clip of rain', 'a clip of rain', { seconds: 3 }],
  ['5 sec clip', 'clip', { seconds: 5 }],
  ['a 30s commercial', 'a commercial', { seconds: 30 }],
  ['a cat 1024x1024', 'a cat', { size: { width: 1024, height: 1024 } }],
  ['a 1920x1080 wallpaper', 'a wallpaper', { size: { width: 1920, height: 1080 } }],
  ['a cat --size 1280x720', 'a cat', { size: { width: 1280, height: 720 } }],
  ['a cat --seed 42', 'a cat', { seed: 42 }],
  ['seed: 123 forest', 'forest', { seed: 123 }],
  ['a cat --n 2', 'a cat', { n: 2 }],
  ['a cat --no blurry, text', 'a cat', { negativePrompt: 'blurry, text' }],
  ['a cat --no blurry --ar 9:16', 'a cat', { negativePrompt: 'blurry', aspectRatio: '9:16' }],
  ['a cat --quality high', 'a cat', { quality: 'high' }],
  ['quality: low cat', 'cat', { quality: 'low' }],
  ['--resolution 720p cat', 'cat', { resolution: '720p' }],
  ['video 8s 9:16 of a dancer', 'video of a dancer', { seconds: 8, aspectRatio: '9:16' }],
  ['a cat --ar 16:9 --seed 7 --n 2 --no dogs', 'a cat', { aspectRatio: '16:9', seed: 7, n: 2, negativePrompt: 'dogs' }],
];

/**
 * Text that looks like a directive but is not one. Decisions where it could go either way:
 * - "the 1:1 ratio of flour to water": "ratio of … to …" is a proportion in the scene, not a format.
 * - "5s Nike shoes", "iPhone 5s": a number glued to a product name (a capitalised word right after,
 *   or a camel-case word right before) stays text; write "5 seconds" or "duration: 5" for a length.
 * - "her 30s", "early 90s", "90s fashion": an age or a decade, not 30 or 90 seconds.
 * - 方形 is also a shape ("一个方形的盒子", "长方形"): a directive only alone or before 图片/视频/画面….
 */
const NOT_DIRECTIVES: string[] = [
  'a portrait of a woman',
  'landscape painting of mountains',
  'landscape',
  'portrait',
  'wide shot of a city',
  'vertical garden',
  'the 1:1 ratio of flour to water',
  'kill the lights',
  'meet me at 10:30',
  'at 9:16 pm',
  'John 3:16 verse',
  'scale 1:100 model',
  'the score was 2:1',
  'a 4x4 truck in mud',
  'a room 12x12 feet',
  'a 2x zoom',
  '1990s fashion',
  'the 80s vibe',
  "'80s synthwave",
  'in the 50s',
  'a woman in her 30s',
  'early 90s',
  'mid-80s style',
  'the nineties 90s look',
  '5s Nike shoes',
  'iPhone 5s on a table',
  'iPhone 15 Pro',
  'Boeing 747 at sunset',
  'PS5 console',
  'mp3 player',
  'a 720p video',
  'count to 10 seconds later the bomb',
  '一个方形的盒子',
  '一个长方形的桌子',
  '正方形的logo',
  '第2张图片中的猫',
];

describe('parsePrompt: directives are cut from the prompt sent upstream', () => {
  it.each([...CHINESE, ...ENGLISH])('%j → %j', (input, upstream, directives) => {
    const parsed = parsePrompt(input);
    expect(parsed.prompt).toBe(upstream);
    expect(parsed.directives).toEqual(directives);
  });

  it.each(NOT_DIRECTIVES)('%j stays as written, with no directive', (input) => {
    expect(parsePrompt(input)).toMatchObject({ prompt: input, directives: {} });
  });

  it('has at least 50 cases', () => {
    expect(CHINESE.length + ENGLISH.length + NOT_DIRECTIVES.length).toBeGreaterThanOrEqual(50);
  });

  it('the first value wins when a directive is written twice', () => {
    expect(parsePrompt('a cat --ar 9:16 16:9').directives).toEqual({ aspectRatio: '9:16' });
  });
});

function spec(id: string): ModelSpec {
  const found = findModel(id);
  if (!found) throw new Error(`catalog has no ${id}`);
  return found;
}

const resolve = (model: string, prompt: string, referenceCount = 0) =>
  resolveGeneration(spec(model), parsePrompt(prompt), {}, [], referenceCount);

describe('resolveGeneration: snapping to what the model supports', () => {
  it('20 s on sora-2 becomes 15 s with a one-line note', () => {
    const request = resolve('sora-2', 'waves crashing, duration: 20 seconds 16:9');
    expect(request).toMatchObject({
      prompt: 'waves crashing',
      seconds: 15,
      aspectRatio: '16:9',
      width: 1280,
      height: 720,
    });
    expect(adjustmentLines(request)).toEqual(['sora-2 supports up to 15 seconds; using 15.']);
  });

  it('the note is in Chinese for a Chinese prompt', () => {
    const request = resolve('sora_video2', '海浪 时长20秒 竖屏');
    expect(request).toMatchObject({ prompt: '海浪', seconds: 15, aspectRatio: '9:16', width: 720, height: 1280 });
    expect(adjustmentLines(request)).toEqual(['sora_video2 最长支持 15 秒，已改为 15 秒。']);
  });

  it('a fractional duration is made in whole seconds, and said so', () => {
    const request = resolve('sora-2', 'waves, duration: 5.5 seconds');
    expect(request.seconds).toBe(6);
    expect(adjustmentLines(request)).toEqual(['sora-2 cannot make 5.5 s videos; using 6 s.']);
  });

  it('n above 1 on a video model is one video, said so (it used to be silent)', () => {
    const request = resolveGeneration(spec('sora-2'), parsePrompt('a kite'), { n: 2 }, []);
    expect(request.n).toBe(1);
    expect(adjustmentLines(request)).toEqual(['sora-2 makes at most 1 video per request; making 1.']);
  });

  it('a supported duration and ratio pass through without a note', () => {
    const request = resolve('sora-2', 'an astronaut golden retriever, duration: 5 seconds 9:16');
    expect(request).toMatchObject({ seconds: 5, aspectRatio: '9:16', width: 720, height: 1280, adjustments: [] });
  });

  it('an unsupported ratio is snapped to the nearest one the model offers', () => {
    const request = resolve('gpt-image-1', 'a cat 16:9');
    expect(request).toMatchObject({ aspectRatio: '3:2', width: 1536, height: 1024 });
    expect(adjustmentLines(request)).toEqual(['Aspect ratio 16:9 is not supported by gpt-image-1; using 3:2.']);
  });

  it('21:9 on a video model becomes 16:9', () => {
    const request = resolve('sora-2', 'a city --ar 21:9 --duration 4');
    expect(request).toMatchObject({ aspectRatio: '16:9', width: 1280, height: 720, seconds: 4 });
    expect(adjustmentLines(request)).toEqual(['Aspect ratio 21:9 is not supported by sora-2; using 16:9.']);
  });

  it('a size the model offers is used as is; another size picks the nearest preset', () => {
    expect(resolve('gpt-image-1', 'a cat 1536x1024')).toMatchObject({
      width: 1536,
      height: 1024,
      aspectRatio: '3:2',
      adjustments: [],
    });
    const snapped = resolve('dall-e-3', 'a cat --size 1280x720');
    expect(snapped).toMatchObject({ width: 1792, height: 1024, aspectRatio: '16:9' });
    expect(adjustmentLines(snapped)).toEqual(['Size 1280x720 is not offered by dall-e-3; using 1792x1024.']);
  });

  it('--n above the model limit is capped with a note; seed, quality and negative prompt carry through', () => {
    const request = resolve('gpt-image-1', 'a cat --n 12 --seed 42 --quality high --no blurry, text');
    expect(request).toMatchObject({
      prompt: 'a cat',
      n: 10,
      seed: 42,
      quality: 'high',
      negativePrompt: 'blurry, text',
    });
    expect(adjustmentLines(request)).toEqual(['gpt-image-1 makes at most 10 images per request; making 10.']);
  });

  it('flux-kontext-dev without a reference image is a 400 reference_image_required', () => {
    let thrown: unknown;
    try {
      resolve('flux-kontext-dev', 'make it blue');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GenerationError);
    const answer = generationErrorToApiError(thrown as GenerationError);
    expect(answer.status).toBe(400);
    expect(answer.toBody()).toEqual({
      error: {
        message: 'flux-kontext-dev needs a reference image: add an image_url part to the last user message.',
        type: 'invalid_request_error',
        param: 'messages',
        code: 'reference_image_required',
      },
    });
  });

  it('a prompt that is only directives is a 400 missing_prompt', () => {
    let thrown: unknown;
    try {
      resolve('sora-2', '--ar 16:9 10s');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GenerationError);
    expect(generationErrorToApiError(thrown as GenerationError)).toMatchObject({ status: 400, code: 'missing_prompt' });
  });
});
