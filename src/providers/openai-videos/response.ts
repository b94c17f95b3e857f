import { z } from 'zod';
import { normaliseStatus, type NormalStatus } from '../status-words.js';

/** A `/v1/videos` task as read from OpenAI's Video object or a reseller's variant of it. */
export interface VideoTask {
  id?: string;
  rawStatus?: string;
  status: NormalStatus;
  /** 0–100. */
  progress?: number;
  /** A download link in the body (resellers); OpenAI itself only serves `/content`. */
  url?: string;
  error?: { code?: string; message?: string };
  /** Unix seconds after which the result can no longer be downloaded. */
  expiresAt?: number;
  seconds?: number;
  width?: number;
  height?: number;
}

type Body = Record<string, unknown>;

const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown) =>
  typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined;
const httpUrl = (v: unknown) => (typeof v === 'string' && /^https?:\/\//i.test(v.trim()) ? v.trim() : undefined);

/** Some resellers wrap the object: `{code: 0, data: {...}}`. */
function unwrap(body: unknown): Body {
  if (!isObject(body)) return {};
  if (body.id === undefined && body.task_id === undefined && isObject(body.data)) return body.data;
  return body;
}

/** `47`, `"47%"`, or a 0–1 fraction → 0–100. */
function readProgress(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number.parseFloat(value) : Number.NaN;
  if (!Number.isFinite(n) || n < 0) return undefined;
  const percent = n > 0 && n < 1 ? n * 100 : n;
  return Math.min(100, percent);
}

function readSeconds(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The result link wherever a reseller puts it: `metadata.url`, `video_url`, `url`, `content_url`, `output[0]`. */
function readUrl(body: Body): string | undefined {
  const metadata = isObject(body.metadata) ? body.metadata : undefined;
  const output = Array.isArray(body.output) ? body.output[0] : undefined;
  const result = isObject(body.result) ? body.result : undefined;
  const candidates = [
    metadata?.url,
    metadata?.video_url,
    body.video_url,
    body.url,
    body.content_url,
    output,
    isObject(output) ? output.url : undefined,
    result?.url,
    result?.video_url,
  ];
  for (const candidate of candidates) {
    const url = httpUrl(candidate);
    if (url) return url;
  }
  return undefined;
}

function readError(body: Body): VideoTask['error'] {
  const error = body.error;
  if (isObject(error)) return { code: text(error.code), message: text(error.message) };
  if (typeof error === 'string' && error.trim()) return { message: error.trim() };
  const reason = text(body.fail_reason) ?? text(body.failure_reason) ?? text(body.reason);
  return reason ? { message: reason } : undefined;
}

export function readVideoTask(raw: unknown): VideoTask {
  const body = unwrap(raw);
  const rawStatus = text(body.status);
  const size = typeof body.size === 'string' ? /^(\d+)\s*[x*×]\s*(\d+)$/i.exec(body.size.trim()) : null;
  const expires = typeof body.expires_at === 'number' && body.expires_at > 0 ? body.expires_at : undefined;
  return {
    id: text(body.id) ?? text(body.task_id),
    rawStatus,
    status: normaliseStatus(rawStatus),
    progress: readProgress(body.progress),
    url: readUrl(body),
    error: readError(body),
    // Milliseconds from a reseller that does not follow the spec's unix seconds.
    expiresAt: expires !== undefined && expires > 1e11 ? expires / 1000 : expires,
    seconds: readSeconds(body.seconds) ?? readSeconds(body.duration),
    ...(size && { width: Number(size[1]), height: Number(size[2]) }),
  };
}

/**
 * A status answer is an object, OpenAI's Video or a reseller's variant of it (read field by field
 * above); anything else (a proxy page, an empty body) says nothing about the task.
 */
export const videoAnswerSchema = z.record(z.string(), z.unknown());

/** The answer to a create: a Video that carries its id, at the top or inside a reseller's `data` wrapper. */
export const videoCreatedSchema = videoAnswerSchema.transform((body, ctx) => {
  const task = readVideoTask(body);
  if (task.id !== undefined) return { ...task, id: task.id };
  ctx.addIssue({ code: 'custom', message: 'no task id' });
  return z.NEVER;
});
