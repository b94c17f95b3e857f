import { adjustmentLines, adjustmentText } from '../../intent/adjustment-text.js';
import type { GenerationRequest, Language } from '../../intent/types.js';
import type { JobRecord } from '../../jobs/types.js';
import type { NormalisedError } from '../../providers/types.js';
import type { ImagePart } from './completion.js';

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
    continues: (id: string, eventsUrl: string) =>
      `⏸️ The server is restarting, so this answer ends here. Job ${id} keeps running: follow its progress at ` +
      `${eventsUrl} (server-sent events), fetch it with \`GET /v1/jobs/${id}\`, or send this request again to get its result.`,
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
    continues: (id: string, eventsUrl: string) =>
      `⏸️ 服务器正在重启，本次回答到此结束。任务 ${id} 会继续运行：可通过 ${eventsUrl}（服务器推送事件）跟踪进度，` +
      `通过 \`GET /v1/jobs/${id}\` 查看，或重新发送此请求获取结果。`,
  },
} satisfies Record<Language, unknown>;

export const renderStartLine = (r: GenerationRequest) => TEXT[r.language].starting(r);
export const renderQueuedLine = (language: Language) => TEXT[language].queued;
export const renderProgressLine = (language: Language, progress: number) => TEXT[language].progress(progress);
/**
 * The last line of a stream the gateway ends while stopping: the job goes on, and where to follow it
 * (`eventsUrl`: the absolute `GET /v1/jobs/{id}/events`, answered by any instance).
 */
export const renderContinuesLine = (language: Language, jobId: string, eventsUrl: string) =>
  TEXT[language].continues(jobId, eventsUrl);

/** Editing in conversation: one line saying the reference is the conversation's earlier image. */
export const renderEditingLine = (r: GenerationRequest) =>
  r.references.some((ref) => ref.source === 'history') ? TEXT[r.language].editing : '';

/** One short line per value that was snapped to what the model supports. */
export const renderAdjustments = (r: GenerationRequest) =>
  adjustmentLines(r)
    .map((line) => `> ℹ️ ${line}\n\n`)
    .join('');

/** What a stream says first (chat and Responses): what is made, from which image, what was changed, queued. */
export const renderOpening = (r: GenerationRequest) =>
  renderStartLine(r) + renderEditingLine(r) + renderAdjustments(r) + renderQueuedLine(r.language);

/** A succeeded job's whole answer when it is not streamed (chat `content`, the Responses output text). */
export const renderAnswer = (job: JobRecord, mediaUrl: (key: string) => string) =>
  renderEditingLine(job.request) + renderAdjustments(job.request) + renderResult(job, mediaUrl);

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

/**
 * The images of a finished job as chat apps read them (`message.images`, `delta.images`): the same
 * links, in the same order, as the markdown of `renderResult`. None for a video: no chat app has a
 * field for one, so it keeps the seed's markdown link.
 */
export function renderImageParts(job: JobRecord, mediaUrl: (key: string) => string): ImagePart[] {
  if (job.kind !== 'image' || job.status !== 'succeeded') return [];
  return job.results.map((result, index) => ({ type: 'image_url', image_url: { url: mediaUrl(result.key) }, index }));
}

export type FinishReason = 'stop' | 'content_filter' | 'error';

/**
 * `stop` for a result; `content_filter` for a content-review block; `error` (OpenRouter's normalised
 * value) for every other end — a failed generation, a timeout, a cancelled job — so a program can tell
 * a failure from a success without reading the text.
 */
export function finishReasonFor(job: Pick<JobRecord, 'status' | 'error'>): FinishReason {
  if (job.status === 'succeeded') return 'stop';
  return job.error?.code === 'content_policy_violation' ? 'content_filter' : 'error';
}
