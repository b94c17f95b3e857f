import { adjustmentLines, adjustmentText } from '../../intent/adjustment-text.js';
import type { GenerationRequest, Language } from '../../intent/types.js';
import type { JobRecord } from '../../jobs/types.js';
import type { NormalisedError } from '../../providers/types.js';

/**
 * The markdown a chat client shows. Chinese prompts get Chinese text; the success lines keep the
 * exact form resellers use (seed 004), since client apps parse them.
 */
const TEXT = {
  en: {
    starting: (r: GenerationRequest) =>
      r.kind === 'video'
        ? `> 🎬 Generating a ${r.seconds} s ${r.aspectRatio} video (${r.width}x${r.height}) with ${r.model}\n\n`
        : `> 🎨 Generating ${r.n > 1 ? `${r.n} images` : 'an image'} (${r.width}x${r.height}) with ${r.model}\n\n`,
    editing: '> ✏️ Editing the image from earlier in the conversation.\n\n',
    queued: '> ⏳ Queued\n\n',
    progress: (p: number) => `> 🏃 Progress ${p}%\n\n`,
    videoDone: (url: string) => `✅ Video generated successfully, [click here](${url}) to view video`,
    imageDone: (url: string, i: number) => `![image${i > 0 ? ` ${i + 1}` : ''}](${url})`,
    failed: (message: string) => `❌ Generation failed: ${message}`,
    blocked: (message: string) => `🚫 Blocked by content review: ${message}`,
  },
  zh: {
    starting: (r: GenerationRequest) =>
      r.kind === 'video'
        ? `> 🎬 正在使用 ${r.model} 生成 ${r.seconds} 秒 ${r.aspectRatio} 视频（${r.width}x${r.height}）\n\n`
        : `> 🎨 正在使用 ${r.model} 生成${r.n > 1 ? ` ${r.n} 张` : ''}图片（${r.width}x${r.height}）\n\n`,
    editing: '> ✏️ 正在编辑对话中之前的图片。\n\n',
    queued: '> ⏳ 排队中\n\n',
    progress: (p: number) => `> 🏃 进度 ${p}%\n\n`,
    videoDone: (url: string) => `✅ 视频生成成功，[点击这里](${url}) 查看视频`,
    imageDone: (url: string, i: number) => `![图片${i > 0 ? ` ${i + 1}` : ''}](${url})`,
    failed: (message: string) => `❌ 生成失败：${message}`,
    blocked: (message: string) => `🚫 未通过内容审核：${message}`,
  },
} satisfies Record<Language, unknown>;

export const renderStartLine = (r: GenerationRequest) => TEXT[r.language].starting(r);
export const renderQueuedLine = (language: Language) => TEXT[language].queued;
export const renderProgressLine = (language: Language, progress: number) => TEXT[language].progress(progress);

/** Editing in conversation: one line saying the reference is the conversation's earlier image. */
export const renderEditingLine = (r: GenerationRequest) =>
  r.references.some((ref) => ref.source === 'history') ? TEXT[r.language].editing : '';

/** One short line per value that was snapped to what the model supports. */
export const renderAdjustments = (r: GenerationRequest) =>
  adjustmentLines(r)
    .map((line) => `> ℹ️ ${line}\n\n`)
    .join('');

/**
 * The success answer. Upstreams may make fewer images than asked (Gemini answers one image per call
 * and may not draw; Seedream's group mode stops early) — the answer then says so rather than
 * leaving the user to count.
 */
export function renderResult(job: JobRecord, mediaUrl: (key: string) => string): string {
  const text = TEXT[job.request.language];
  if (job.kind === 'video') return text.videoDone(mediaUrl(job.results[0].key));
  const { n, model } = job.request;
  const shortfall =
    job.results.length < n
      ? `> ℹ️ ${adjustmentText(job.request.language, { kind: 'fewer_images', model, made: job.results.length, asked: n })}\n\n`
      : '';
  return shortfall + job.results.map((result, i) => text.imageDone(mediaUrl(result.key), i)).join('\n\n');
}

export function renderFailure(language: Language, error: NormalisedError): string {
  const text = TEXT[language];
  return error.code === 'content_policy_violation' ? text.blocked(error.message) : text.failed(error.message);
}

export const finishReasonFor = (error: NormalisedError | null) =>
  error?.code === 'content_policy_violation' ? 'content_filter' : 'stop';
