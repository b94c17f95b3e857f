import type { JobRecord } from '../../jobs/types.js';
import type { MediaStore } from '../../storage/types.js';
import { renderAnswer, renderFailure } from '../chat/content.js';
import { endedJobError } from '../job-errors.js';
import {
  imageCallItem,
  type ImageCallItem,
  messageItem,
  responseUsage,
  type ResponseState,
} from './response-object.js';

/*
 * What the finished job's answer says, from the chat answer's own text (content.ts), never a copy:
 * a succeeded job's text is `renderAnswer`, exactly a non-streaming chat completion's content.
 */

/** The text a failed or cancelled job's answer ends with, as in a chat stream. */
export const failureText = (job: JobRecord) => renderFailure(job.request.language, endedJobError(job));

/** The `error` of a failed response: the job's code and message. */
export const responseError = (job: JobRecord) => {
  const { code, message } = endedJobError(job);
  return { code, message };
};

/** One `image_generation_call` item per image, each carrying the stored bytes as base64. */
export async function imageCallItems(job: JobRecord, media: MediaStore): Promise<ImageCallItem[]> {
  if (job.kind !== 'image') return [];
  return Promise.all(
    job.results.map(async (result, i) => imageCallItem(job, i, (await media.read(result.key)).toString('base64'))),
  );
}

/** A succeeded job's response: the message, then the tool's image calls when the request named the tool. */
export function completedState(job: JobRecord, text: string, imageCalls: ImageCallItem[] = []): ResponseState {
  return {
    status: 'completed',
    completedAt: job.completedAt,
    output: [messageItem(job.id, text, 'completed'), ...imageCalls],
    usage: responseUsage(job.request.prompt, text),
    error: null,
  };
}

/** The response of a job in any state, for `GET /v1/responses/{id}`. */
export function stateOfJob(job: JobRecord, mediaUrl: (key: string) => string): ResponseState {
  switch (job.status) {
    case 'queued':
      return { status: 'queued', output: [], usage: null, error: null };
    case 'running':
      return { status: 'in_progress', output: [], usage: null, error: null };
    case 'succeeded':
      return completedState(job, renderAnswer(job, mediaUrl));
    case 'cancelled':
      return { status: 'cancelled', output: [], usage: responseUsage(job.request.prompt, ''), error: null };
    case 'failed':
      return { status: 'failed', output: [], usage: responseUsage(job.request.prompt, ''), error: responseError(job) };
  }
}
