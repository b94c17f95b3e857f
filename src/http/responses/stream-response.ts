import type { FastifyReply } from 'fastify';
import type { JobRecord } from '../../jobs/types.js';
import { renderOpening, renderProgressLine, renderResult } from '../chat/content.js';
import type { GatewayServices } from '../services.js';
import { SseStream } from '../sse.js';
import { completedState, failureText, imageCallItems, responseError } from './answer.js';
import {
  type ImageCallItem,
  messageIdOf,
  messageItem,
  outputText,
  responseObject,
  responseUsage,
  type ResponseIdentity,
  type ResponseState,
} from './response-object.js';
import { shutdownText } from './shutdown-text.js';

/**
 * A job followed as the Responses API's typed events. The progress lines are `output_text` deltas of
 * one message (the same lines a chat stream sends); the stream ends with `response.completed`, or
 * `response.failed` then an `error` event, or `response.incomplete` when the gateway stops first.
 */
export function streamResponse(
  services: GatewayServices,
  reply: FastifyReply,
  job: JobRecord,
  who: ResponseIdentity,
  headers: Record<string, string>,
  withImageCalls: boolean,
): void {
  reply.hijack();
  const sse = new SseStream(reply.raw, headers);
  const untrack = services.keepAlive.track(sse);
  let sequence = 0;
  const emit = (type: string, fields: Record<string, unknown>) =>
    sse.sendEvent(type, { type, sequence_number: sequence++, ...fields });
  const part = { item_id: messageIdOf(job.id), output_index: 0, content_index: 0 };
  let text = '';
  const delta = (piece: string) => {
    text += piece;
    emit('response.output_text.delta', { ...part, delta: piece, logprobs: [] });
  };
  const closeMessage = (status: 'completed' | 'incomplete') => {
    emit('response.output_text.done', { ...part, text, logprobs: [] });
    emit('response.content_part.done', { ...part, part: outputText(text) });
    const item = messageItem(job.id, text, status);
    emit('response.output_item.done', { output_index: 0, item });
    return item;
  };
  const end = (type: string, state: ResponseState) => emit(type, { response: responseObject(who, state) });

  const started = responseObject(who, { status: 'in_progress', output: [], usage: null, error: null });
  emit('response.created', { response: started });
  emit('response.in_progress', { response: started });
  emit('response.output_item.added', { output_index: 0, item: messageItem(job.id, '', 'in_progress') });
  emit('response.content_part.added', { ...part, part: outputText('') });
  const language = job.request.language;
  delta(renderOpening(job.request));

  let done = false;
  const stop = () => {
    done = true;
    unsubscribe();
    untrack();
  };
  const fail = (ended: JobRecord, error: { code: string; message: string }) => {
    delta(failureText(ended));
    const item = closeMessage('incomplete');
    end('response.failed', {
      status: 'failed',
      output: [item],
      usage: responseUsage(ended.request.prompt, text),
      error,
    });
    // OpenAI's `error` event, after the failed response: what clients that watch for errors raise.
    emit('error', { code: error.code, message: error.message, param: null });
  };
  const succeed = async (ended: JobRecord) => {
    delta(renderResult(ended, services.mediaUrl));
    let imageCalls: ImageCallItem[] = [];
    try {
      if (withImageCalls) imageCalls = await imageCallItems(ended, services.media);
    } catch {
      // The result was stored moments ago; a read failing now is our fault, reported like a failure.
      return fail(ended, { code: 'internal_error', message: 'The generated image could not be read back.' });
    }
    closeMessage('completed');
    imageCalls.forEach((item, i) => {
      const output_index = i + 1;
      const { id, type } = item;
      emit('response.output_item.added', { output_index, item: { id, type, status: 'in_progress', result: null } });
      emit('response.output_item.done', { output_index, item });
    });
    const state = completedState(ended, text, imageCalls);
    end('response.completed', state);
  };
  const finish = async (ended: JobRecord) => {
    if (done) return;
    stop();
    if (ended.status === 'succeeded') await succeed(ended);
    else if (!sse.closed) fail(ended, responseError(ended));
    sse.end();
  };

  let lastProgress = -1;
  const unsubscribe = services.runner.follow(job.id, (event) => {
    if (event.type === 'finished') return void finish(event.job);
    if (!done && event.progress > lastProgress) {
      lastProgress = event.progress;
      delta(renderProgressLine(language, event.progress));
    }
  });
  sse.onShutdown(() => {
    if (done) return;
    stop();
    services.shutdown.handOff(job.id);
    delta(shutdownText(language, job.id, services.jobEventsUrl(job.id)));
    const item = closeMessage('incomplete');
    const usage = responseUsage(job.request.prompt, text);
    end('response.incomplete', {
      status: 'incomplete',
      output: [item],
      usage,
      error: null,
      incompleteReason: 'interrupted',
    });
  });
  sse.onClose(() => {
    if (done) return;
    stop();
  });
}
