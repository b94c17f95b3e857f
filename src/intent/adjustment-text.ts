import type { Adjustment, OptionalField } from './adjustments.js';
import type { Language } from './types.js';

const plural = (n: number, word: string) => `${n} ${word}${n > 1 ? 's' : ''}`;
const FORMAT_NAMES: Record<string, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP' };
const formatName = (format: string) => FORMAT_NAMES[format] ?? format.toUpperCase();
const FIELD_NAMES: Record<Language, Record<OptionalField, string>> = {
  en: {
    seed: 'seed',
    quality: 'quality setting',
    resolution: 'resolution setting',
    background: 'background setting',
    mask: 'mask',
  },
  zh: { seed: '种子参数', quality: '质量参数', resolution: '分辨率参数', background: '背景参数', mask: '蒙版' },
};

/** The one place an adjustment becomes words. Clients and tests read these lines: change them with care. */
const en = (a: Adjustment): string => {
  switch (a.kind) {
    case 'ratio_snapped':
      return `Aspect ratio ${a.asked} is not supported by ${a.model}; using ${a.used}.`;
    case 'size_snapped':
      return `Size ${a.asked} is not offered by ${a.model}; using ${a.used}.`;
    case 'size_out_of_range':
      return `${a.model} cannot make ${a.asked}; using ${a.used}.`;
    case 'duration_snapped':
      return `${a.model} cannot make ${a.asked} s videos; using ${a.used} s.`;
    case 'duration_clamped':
      return a.limit === 'max'
        ? `${a.model} supports up to ${a.used} seconds; using ${a.used}.`
        : `${a.model} needs at least ${a.used} seconds; using ${a.used}.`;
    case 'duration_fixed':
      return `${a.model} makes ${a.because === 'reference_images' ? 'reference-image' : a.because} videos of ${a.used} s only; using ${a.used} s.`;
    case 'resolution_changed':
      return `${a.model} cannot make ${a.asked} videos; using ${a.used}.`;
    case 'images_capped':
      return `${a.model} makes at most ${plural(a.used, 'image')} per request; making ${a.used}.`;
    case 'single_image':
      return `${a.model} makes one image per request; making 1.`;
    case 'images_capped_here':
      return `${a.model} makes ${plural(a.used, 'image')} in this request; making ${a.used}.`;
    case 'videos_capped':
      return `${a.model} makes at most ${plural(a.used, 'video')} per request; making ${a.used}.`;
    case 'fewer_images':
      return `${a.model} made ${a.made} of the ${a.asked} images asked for.`;
    case 'format_changed':
      return `${a.model} makes ${a.offered.map(formatName).join(' or ')} images; using ${formatName(a.used)}.`;
    case 'references_ignored':
      return `${a.model} does not take reference images; the image was ignored.`;
    case 'history_image_unavailable':
      return 'The image from earlier in the conversation is no longer available; generating from the prompt alone.';
    case 'ratio_from_reference':
      return `${a.model} makes image-to-video in the reference image's shape; using about ${a.used} instead of ${a.asked}.`;
    case 'reference_cropped':
      return `${a.model} needs the reference image at ${a.used}; it was cropped to that shape.`;
    case 'negative_prompt_dropped':
      return `${a.model} takes no negative prompt; it was left out.`;
    case 'negative_prompt_in_prompt':
      return `${a.model} takes no negative prompt; it was added to the prompt as "Avoid: …".`;
    case 'field_ignored':
      return `${a.model} takes no ${FIELD_NAMES.en[a.field]}; it was ignored.`;
    case 'quality_changed':
      return `${a.model} cannot make ${a.asked} quality; using ${a.used}.`;
    case 'seed_ignored':
      return `${a.model} takes seeds from ${a.min} to ${a.max}; the seed was ignored.`;
    case 'text':
      return a.text;
  }
};

const zh = (a: Adjustment): string => {
  switch (a.kind) {
    case 'ratio_snapped':
      return `${a.model} 不支持 ${a.asked} 比例，已改用 ${a.used}。`;
    case 'size_snapped':
      return `${a.model} 不提供 ${a.asked} 尺寸，已改用 ${a.used}。`;
    case 'size_out_of_range':
      return `${a.model} 不支持 ${a.asked}，已改为 ${a.used}。`;
    case 'duration_snapped':
      return `${a.model} 不支持 ${a.asked} 秒，已改为 ${a.used} 秒。`;
    case 'duration_clamped':
      return a.limit === 'max'
        ? `${a.model} 最长支持 ${a.used} 秒，已改为 ${a.used} 秒。`
        : `${a.model} 最短需要 ${a.used} 秒，已改为 ${a.used} 秒。`;
    case 'duration_fixed':
      return `${a.model} 的 ${a.because === 'reference_images' ? '参考图' : a.because} 视频固定为 ${a.used} 秒，已改为 ${a.used} 秒。`;
    case 'resolution_changed':
      return `${a.model} 不支持 ${a.asked} 分辨率，已使用 ${a.used}。`;
    case 'images_capped':
      return `${a.model} 每次最多生成 ${a.used} 张，已改为 ${a.used} 张。`;
    case 'single_image':
      return `${a.model} 每次只生成 1 张，已改为 1 张。`;
    case 'images_capped_here':
      return `${a.model} 本次最多生成 ${a.used} 张，已改为 ${a.used} 张。`;
    case 'videos_capped':
      return `${a.model} 每次最多生成 ${a.used} 个视频，已改为 ${a.used} 个。`;
    case 'fewer_images':
      return `${a.model} 只生成了 ${a.made} 张图片（请求 ${a.asked} 张）。`;
    case 'format_changed':
      return `${a.model} 只生成 ${a.offered.map(formatName).join(' 或 ')} 图片，已改用 ${formatName(a.used)}。`;
    case 'references_ignored':
      return `${a.model} 不接受参考图，已忽略所给图片。`;
    case 'history_image_unavailable':
      return '对话中之前的图片已不可用，仅根据提示词生成。';
    case 'ratio_from_reference':
      return `${a.model} 的图生视频沿用参考图比例，已由 ${a.asked} 改为约 ${a.used}。`;
    case 'reference_cropped':
      return `${a.model} 要求参考图为 ${a.used}，已居中裁剪为该比例。`;
    case 'negative_prompt_dropped':
      return `${a.model} 不支持反向提示词，已忽略。`;
    case 'negative_prompt_in_prompt':
      return `${a.model} 不支持反向提示词，已以"Avoid: …"加入提示词。`;
    case 'field_ignored':
      return `${a.model} 不支持${FIELD_NAMES.zh[a.field]}，已忽略。`;
    case 'quality_changed':
      return `${a.model} 不支持 ${a.asked} 质量，已改用 ${a.used}。`;
    case 'seed_ignored':
      return `${a.model} 的种子取值为 ${a.min} 到 ${a.max}，已忽略所给种子。`;
    case 'text':
      return a.text;
  }
};

/** One short line telling the user what was changed, in their language. */
export const adjustmentText = (language: Language, adjustment: Adjustment): string =>
  language === 'zh' ? zh(adjustment) : en(adjustment);

/** The lines for every adjustment of a request. */
export const adjustmentLines = (request: { language: Language; adjustments: readonly Adjustment[] }): string[] =>
  request.adjustments.map((a) => adjustmentText(request.language, a));
