import { MAX_PROMPT_CHARS, UNDOCUMENTED_PROMPT_CHARS } from './prompt-limits.js';
import type { ModelSpec } from './types.js';

/*
 * Public model names from the seed documents (and close relatives), with what each upstream accepts.
 * Sizes follow the providers' documented presets (see shared/reference); prices are indicative list
 * prices in USD, for quota estimates only.
 */

const IMAGE_FORMATS = ['png', 'jpeg', 'webp'] as const;

const GPT_IMAGE_SIZES = { '1:1': '1024x1024', '3:2': '1536x1024', '2:3': '1024x1536' };
const DALLE3_SIZES = { '1:1': '1024x1024', '16:9': '1792x1024', '9:16': '1024x1792' };
/** Gemini 2.5 Flash Image output sizes per aspect ratio (1K); the Gemini adapter renders these too. */
export const GEMINI_SIZES: Readonly<Record<string, string>> = {
  '1:1': '1024x1024',
  '2:3': '832x1248',
  '3:2': '1248x832',
  '3:4': '864x1184',
  '4:3': '1184x864',
  '4:5': '896x1152',
  '5:4': '1152x896',
  '9:16': '768x1344',
  '16:9': '1344x768',
  '21:9': '1536x672',
};
/** Every `WxH` of a ratio → size table multiplied by `factor` (Gemini's 2K and 4K are 1K doubled and quadrupled). */
export function scaleSizes(sizes: Readonly<Record<string, string>>, factor: number): Record<string, string> {
  return Object.fromEntries(
    Object.entries(sizes).map(([ratio, size]) => {
      const [w, h] = size.split('x').map(Number);
      return [ratio, `${w * factor}x${h * factor}`];
    }),
  );
}
const GEMINI_HD_SIZES = scaleSizes(GEMINI_SIZES, 2);
/** FLUX Kontext: about one megapixel, ratios from 21:9 to 9:21, multiples of 32. */
const KONTEXT_SIZES = {
  '1:1': '1024x1024',
  '16:9': '1376x768',
  '9:16': '768x1376',
  '4:3': '1184x880',
  '3:4': '880x1184',
  '3:2': '1248x832',
  '2:3': '832x1248',
  '21:9': '1568x672',
  '9:21': '672x1568',
};
const FLUX_SIZES = {
  '1:1': '1024x1024',
  '16:9': '1344x768',
  '9:16': '768x1344',
  '4:3': '1152x864',
  '3:4': '864x1152',
  '3:2': '1216x832',
  '2:3': '832x1216',
};
const SEEDREAM4_SIZES = {
  '1:1': '2048x2048',
  '4:3': '2304x1728',
  '3:4': '1728x2304',
  '16:9': '2560x1440',
  '9:16': '1440x2560',
  '3:2': '2496x1664',
  '2:3': '1664x2496',
  '21:9': '3024x1296',
};
const SEEDREAM3_SIZES = {
  '1:1': '1024x1024',
  '4:3': '1152x864',
  '3:4': '864x1152',
  '16:9': '1280x720',
  '9:16': '720x1280',
  '3:2': '1248x832',
  '2:3': '832x1248',
  '21:9': '1512x648',
};
const QWEN_SIZES = {
  '1:1': '1328x1328',
  '16:9': '1664x928',
  '9:16': '928x1664',
  '4:3': '1472x1104',
  '3:4': '1104x1472',
};
const RECRAFT_SIZES = {
  '1:1': '1024x1024',
  '2:1': '2048x1024',
  '1:2': '1024x2048',
  '3:2': '1536x1024',
  '2:3': '1024x1536',
  '4:3': '1365x1024',
  '3:4': '1024x1365',
  '16:9': '1820x1024',
  '9:16': '1024x1820',
};
/** Sora-style landscape default; the sandbox and most video upstreams render these 720p presets. */
const VIDEO_SIZES = { '16:9': '1280x720', '9:16': '720x1280', '1:1': '720x720' };

function image(
  id: string,
  ownedBy: string,
  description: string,
  sizes: Record<string, string>,
  opts: Partial<ModelSpec> = {},
): ModelSpec {
  const references = opts.references ?? 'optional';
  return {
    id,
    kind: 'image',
    ownedBy,
    description,
    capabilities:
      references === 'none'
        ? ['text-to-image']
        : references === 'required'
          ? ['image-edit']
          : ['text-to-image', 'image-edit'],
    references,
    maxReferences: references === 'none' ? 0 : 4,
    aspectRatios: Object.keys(sizes),
    sizes,
    maxN: 4,
    maxPromptChars: UNDOCUMENTED_PROMPT_CHARS,
    defaultFormat: 'png',
    formats: [...IMAGE_FORMATS],
    price: { perImage: 0.04 },
    ...opts,
  };
}

function video(id: string, ownedBy: string, description: string, opts: Partial<ModelSpec> = {}): ModelSpec {
  return {
    id,
    kind: 'video',
    ownedBy,
    description,
    capabilities: ['text-to-video', 'image-to-video'],
    references: 'optional',
    maxReferences: 1,
    aspectRatios: Object.keys(VIDEO_SIZES),
    sizes: VIDEO_SIZES,
    // Seed 004: "Sora-2 supports videos of up to 15 seconds", any whole number via `duration: N seconds`.
    durations: { min: 1, max: 15, default: 10 },
    maxN: 1,
    // OpenAI's Videos API (Sora 2) takes 1–32000 characters.
    maxPromptChars: MAX_PROMPT_CHARS,
    defaultFormat: 'mp4',
    formats: ['mp4'],
    price: { perSecond: 0.1 },
    ...opts,
  };
}

/** Veo, Seedance, Wan and Kling only make 16:9 and 9:16 (Seedance and Kling also 1:1) at fixed lengths. */
const WIDE_TALL = { '16:9': '1280x720', '9:16': '720x1280' };

export const CATALOG: readonly ModelSpec[] = [
  video('sora-2', 'openai', 'Text- and image-to-video, up to 15 s, routed to the configured video upstream'),
  video('sora_video2', 'openai', 'Alias of sora-2 used by chat-format resellers'),
  video('veo-3.1', 'google', 'Google Veo 3.1: 4, 6 or 8 s with audio', {
    aspectRatios: Object.keys(WIDE_TALL),
    sizes: WIDE_TALL,
    durations: { min: 4, max: 8, default: 8, allowed: [4, 6, 8] },
    price: { perSecond: 0.4 },
    maxPromptChars: UNDOCUMENTED_PROMPT_CHARS,
  }),
  video('veo-3.1-fast', 'google', 'Google Veo 3.1 Fast: 4, 6 or 8 s with audio', {
    aspectRatios: Object.keys(WIDE_TALL),
    sizes: WIDE_TALL,
    durations: { min: 4, max: 8, default: 8, allowed: [4, 6, 8] },
    price: { perSecond: 0.15 },
    maxPromptChars: UNDOCUMENTED_PROMPT_CHARS,
  }),
  video('doubao-seedance-1-0-pro', 'bytedance', 'Seedance 1.0 Pro text- and image-to-video, 3–12 s', {
    durations: { min: 3, max: 12, default: 5 },
    price: { perSecond: 0.05 },
    maxPromptChars: UNDOCUMENTED_PROMPT_CHARS,
  }),
  video('wan2.5', 'alibaba', 'Wan 2.5 text- and image-to-video, 5 or 10 s', {
    aspectRatios: Object.keys(WIDE_TALL),
    sizes: WIDE_TALL,
    durations: { min: 5, max: 10, default: 5, allowed: [5, 10] },
    price: { perSecond: 0.1 },
    maxPromptChars: 800,
  }),
  video('kling-v2-1', 'kuaishou', 'Kling 2.1 text- and image-to-video, 5 or 10 s', {
    durations: { min: 5, max: 10, default: 5, allowed: [5, 10] },
    price: { perSecond: 0.07 },
    maxPromptChars: 2500,
  }),

  image('gpt-image-1', 'openai', 'OpenAI GPT Image: generation and multi-image edits', GPT_IMAGE_SIZES, {
    maxN: 10,
    maxReferences: 16,
    price: { perImage: 0.042 },
    maxPromptChars: MAX_PROMPT_CHARS,
  }),
  image('gpt-4o-image', 'openai', 'GPT-4o image generation (chat-format)', GPT_IMAGE_SIZES, {
    maxReferences: 16,
    maxPromptChars: MAX_PROMPT_CHARS,
  }),
  image('sora_image', 'openai', 'Sora image generation (chat-format)', GPT_IMAGE_SIZES, {
    maxReferences: 16,
    maxPromptChars: MAX_PROMPT_CHARS,
  }),
  image('dall-e-3', 'openai', 'DALL·E 3 text-to-image', DALLE3_SIZES, {
    references: 'none',
    maxN: 1,
    price: { perImage: 0.04 },
    maxPromptChars: 4000,
  }),

  image(
    'flux-kontext-pro',
    'black-forest-labs',
    'FLUX.1 Kontext [pro]: text-to-image and in-context editing',
    KONTEXT_SIZES,
    { maxReferences: 1, maxN: 1 },
  ),
  image('flux-kontext-max', 'black-forest-labs', 'FLUX.1 Kontext [max]: highest-quality Kontext', KONTEXT_SIZES, {
    maxReferences: 1,
    maxN: 1,
    price: { perImage: 0.08 },
  }),
  image(
    'flux-kontext-dev',
    'black-forest-labs',
    'FLUX.1 Kontext [dev]: image editing; needs a reference image',
    KONTEXT_SIZES,
    {
      references: 'required',
      maxReferences: 1,
      maxN: 1,
      price: { perImage: 0.025 },
    },
  ),
  image('flux', 'black-forest-labs', 'FLUX family alias (FLUX 1.1 [pro])', FLUX_SIZES, { references: 'none', maxN: 1 }),
  image('flux-pro-1.1', 'black-forest-labs', 'FLUX 1.1 [pro] text-to-image', FLUX_SIZES, {
    references: 'none',
    maxN: 1,
  }),
  image('flux-dev', 'black-forest-labs', 'FLUX.1 [dev] text-to-image', FLUX_SIZES, {
    references: 'none',
    maxN: 1,
    price: { perImage: 0.025 },
  }),

  image('nano-banana', 'google', 'Gemini 2.5 Flash Image: generation and editing', GEMINI_SIZES, {
    maxReferences: 3,
    price: { perImage: 0.039 },
    maxPromptChars: MAX_PROMPT_CHARS,
  }),
  image('nano-banana-hd', 'google', 'Gemini image model at 2K', GEMINI_HD_SIZES, {
    maxReferences: 3,
    price: { perImage: 0.134 },
    maxPromptChars: MAX_PROMPT_CHARS,
  }),

  image('recraftv3', 'recraft', 'Recraft V3 text-to-image', RECRAFT_SIZES, {
    references: 'none',
    maxN: 6,
    maxPromptChars: 1000,
  }),
  image('qwen-image', 'alibaba', 'Qwen-Image text-to-image', QWEN_SIZES, {
    references: 'none',
    maxN: 4,
    price: { perImage: 0.035 },
    maxPromptChars: 800,
  }),
  image('qwen-image-edit', 'alibaba', 'Qwen-Image-Edit; needs a reference image', QWEN_SIZES, {
    references: 'required',
    maxReferences: 1,
    maxN: 1,
    maxPromptChars: 800,
  }),

  image(
    'doubao-seedream-4-0-250828',
    'bytedance',
    'Seedream 4.0: generation and multi-reference editing',
    SEEDREAM4_SIZES,
    {
      maxReferences: 10,
      maxN: 15,
      price: { perImage: 0.03 },
    },
  ),
  image(
    'doubao-seededit-3-0-i2i-250628',
    'bytedance',
    'SeedEdit 3.0 image-to-image; needs a reference image',
    { '1:1': '1024x1024' },
    {
      references: 'required',
      maxReferences: 1,
      maxN: 1,
      extraSizes: [],
      price: { perImage: 0.03 },
    },
  ),
  image('doubao-seedream-3-0-t2i-250415', 'bytedance', 'Seedream 3.0 text-to-image', SEEDREAM3_SIZES, {
    references: 'none',
    maxN: 1,
    price: { perImage: 0.03 },
  }),
];
