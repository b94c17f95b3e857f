import { describe, expect, it } from 'vitest';
import { adjustmentText } from '../src/intent/adjustment-text.js';
import { readAdjustments, type Adjustment } from '../src/intent/adjustments.js';

/** Each adjustment with the exact English and Chinese lines earlier versions wrote for it. */
const LINES: [Adjustment, string, string][] = [
  [
    { kind: 'ratio_snapped', model: 'm', asked: '21:9', used: '16:9' },
    'Aspect ratio 21:9 is not supported by m; using 16:9.',
    'm 不支持 21:9 比例，已改用 16:9。',
  ],
  [
    { kind: 'size_snapped', model: 'm', asked: '999x999', used: '1024x1024' },
    'Size 999x999 is not offered by m; using 1024x1024.',
    'm 不提供 999x999 尺寸，已改用 1024x1024。',
  ],
  [
    { kind: 'size_out_of_range', model: 'm', asked: '64x64', used: '512x512' },
    'm cannot make 64x64; using 512x512.',
    'm 不支持 64x64，已改为 512x512。',
  ],
  [
    { kind: 'duration_snapped', model: 'm', asked: 5, used: 4 },
    'm cannot make 5 s videos; using 4 s.',
    'm 不支持 5 秒，已改为 4 秒。',
  ],
  [
    { kind: 'duration_clamped', model: 'm', limit: 'max', used: 15 },
    'm supports up to 15 seconds; using 15.',
    'm 最长支持 15 秒，已改为 15 秒。',
  ],
  [
    { kind: 'duration_clamped', model: 'm', limit: 'min', used: 2 },
    'm needs at least 2 seconds; using 2.',
    'm 最短需要 2 秒，已改为 2 秒。',
  ],
  [
    { kind: 'duration_fixed', model: 'm', used: 8, because: '1080p' },
    'm makes 1080p videos of 8 s only; using 8 s.',
    'm 的 1080p 视频固定为 8 秒，已改为 8 秒。',
  ],
  [
    { kind: 'duration_fixed', model: 'm', used: 8, because: 'reference_images' },
    'm makes reference-image videos of 8 s only; using 8 s.',
    'm 的 参考图 视频固定为 8 秒，已改为 8 秒。',
  ],
  [
    { kind: 'resolution_changed', model: 'm', asked: '480p', used: '720p' },
    'm cannot make 480p videos; using 720p.',
    'm 不支持 480p 分辨率，已使用 720p。',
  ],
  [
    { kind: 'images_capped', model: 'm', used: 10 },
    'm makes at most 10 images per request; making 10.',
    'm 每次最多生成 10 张，已改为 10 张。',
  ],
  [
    { kind: 'images_capped', model: 'm', used: 1 },
    'm makes at most 1 image per request; making 1.',
    'm 每次最多生成 1 张，已改为 1 张。',
  ],
  [
    { kind: 'single_image', model: 'm' },
    'm makes one image per request; making 1.',
    'm 每次只生成 1 张，已改为 1 张。',
  ],
  [
    { kind: 'images_capped_here', model: 'm', used: 1 },
    'm makes 1 image in this request; making 1.',
    'm 本次最多生成 1 张，已改为 1 张。',
  ],
  [
    { kind: 'videos_capped', model: 'm', used: 1 },
    'm makes at most 1 video per request; making 1.',
    'm 每次最多生成 1 个视频，已改为 1 个。',
  ],
  [
    { kind: 'fewer_images', model: 'm', made: 1, asked: 3 },
    'm made 1 of the 3 images asked for.',
    'm 只生成了 1 张图片（请求 3 张）。',
  ],
  [
    { kind: 'format_changed', model: 'm', offered: ['png', 'webp'], used: 'png' },
    'm makes PNG or WebP images; using PNG.',
    'm 只生成 PNG 或 WebP 图片，已改用 PNG。',
  ],
  [
    { kind: 'references_ignored', model: 'm' },
    'm does not take reference images; the image was ignored.',
    'm 不接受参考图，已忽略所给图片。',
  ],
  [
    { kind: 'ratio_from_reference', model: 'm', asked: '16:9', used: '1:1' },
    "m makes image-to-video in the reference image's shape; using about 1:1 instead of 16:9.",
    'm 的图生视频沿用参考图比例，已由 16:9 改为约 1:1。',
  ],
  [
    { kind: 'reference_cropped', model: 'm', used: '1280x720' },
    'm needs the reference image at 1280x720; it was cropped to that shape.',
    'm 要求参考图为 1280x720，已居中裁剪为该比例。',
  ],
  [
    { kind: 'negative_prompt_dropped', model: 'm' },
    'm takes no negative prompt; it was left out.',
    'm 不支持反向提示词，已忽略。',
  ],
  [
    { kind: 'field_ignored', model: 'm', field: 'seed' },
    'm takes no seed; it was ignored.',
    'm 不支持种子参数，已忽略。',
  ],
  [
    { kind: 'field_ignored', model: 'm', field: 'background' },
    'm takes no background setting; it was ignored.',
    'm 不支持背景参数，已忽略。',
  ],
  [{ kind: 'field_ignored', model: 'm', field: 'mask' }, 'm takes no mask; it was ignored.', 'm 不支持蒙版，已忽略。'],
  [
    { kind: 'quality_changed', model: 'm', asked: 'low', used: 'standard' },
    'm cannot make low quality; using standard.',
    'm 不支持 low 质量，已改用 standard。',
  ],
  [
    { kind: 'negative_prompt_in_prompt', model: 'm' },
    'm takes no negative prompt; it was added to the prompt as "Avoid: …".',
    'm 不支持反向提示词，已以"Avoid: …"加入提示词。',
  ],
  [
    { kind: 'seed_ignored', model: 'm', min: -1, max: 2_147_483_647 },
    'm takes seeds from -1 to 2147483647; the seed was ignored.',
    'm 的种子取值为 -1 到 2147483647，已忽略所给种子。',
  ],
];

describe('adjustment text', () => {
  it.each(LINES)('words %j as before, in English and Chinese', (adjustment, en, zh) => {
    expect(adjustmentText('en', adjustment)).toBe(en);
    expect(adjustmentText('zh', adjustment)).toBe(zh);
  });

  it('reads adjustments stored as text by an earlier version, mixed with typed ones, unchanged', () => {
    const stored = [
      'Aspect ratio 1:1 is not supported by sora-2; using 16:9.',
      { kind: 'single_image', model: 'flux-dev' },
    ];
    const read = readAdjustments(stored);
    expect(read).toEqual([
      { kind: 'text', text: 'Aspect ratio 1:1 is not supported by sora-2; using 16:9.' },
      { kind: 'single_image', model: 'flux-dev' },
    ]);
    expect(read.map((a) => adjustmentText('zh', a))).toEqual([
      'Aspect ratio 1:1 is not supported by sora-2; using 16:9.',
      'flux-dev 每次只生成 1 张，已改为 1 张。',
    ]);
  });

  it('keeps an adjustment it cannot read as text instead of failing the job', () => {
    expect(readAdjustments([{ kind: 'from_the_future', x: 1 }])).toEqual([
      { kind: 'text', text: '{"kind":"from_the_future","x":1}' },
    ]);
    expect(readAdjustments(undefined)).toEqual([]);
  });
});
