import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JobRecord } from '../../jobs/types.js';
import type { GatewayServices } from '../services.js';
import { jobErrorToApiError } from '../job-errors.js';
import { SseStream } from '../sse.js';
import { parseBody } from '../validation.js';
import { idempotencyOf } from '../idempotency.js';
import { completion, completionChunk, usageChunk, usageFor, type CompletionIdentity } from './completion.js';
import {
  finishReasonFor,
  renderAdjustments,
  renderFailure,
  renderProgressLine,
  renderQueuedLine,
  renderResult,
  renderStartLine,
} from './content.js';
import { chatCompletionBody, type ChatCompletionBody } from './schema.js';
import { chatToGenerationInput } from './to-generation-input.js';

/** `POST /v1/chat/completions`: a chat request becomes a generation job, followed as a stream or awaited. */
export async function chatRoutes(app: FastifyInstance, services: GatewayServices): Promise<void> {
  app.post('/v1/chat/completions', async (request, reply) => {
    const body = parseBody(chatCompletionBody, request.body);
    // A retry with the same Idempotency-Key follows the job the first attempt created.
    const { job, replayed } = await services.generation.create({
      apiKeyId: request.apiKey.id,
      idempotency: idempotencyOf(request, 'POST /v1/chat/completions', request.body),
      input: chatToGenerationInput(body),
    });
    const who: CompletionIdentity = { id: `chatcmpl-${job.id}`, created: Math.floor(job.createdAt / 1000), model: body.model };
    const headers: Record<string, string> = { 'x-mediagate-channel': job.channel ?? '', 'x-mediagate-job-id': job.id };
    if (replayed) headers['idempotent-replayed'] = 'true';
    if (body.stream) return streamJob(services, reply, job, who, body, headers);
    return awaitJob(services, request, reply, job, who, headers);
  });
}

async function awaitJob(
  services: GatewayServices,
  request: FastifyRequest,
  reply: FastifyReply,
  job: JobRecord,
  who: CompletionIdentity,
  headers: Record<string, string>,
) {
  // The job belongs to the gateway, not the connection: a client that gives up leaves it running.
  const gone = new AbortController();
  request.raw.once('close', () => gone.abort());
  const finished = await services.runner.waitFor(job.id, gone.signal);
  if (!finished) return reply;
  reply.headers(headers);
  if (finished.status !== 'succeeded') throw jobErrorToApiError(finished.error);
  const content = renderAdjustments(finished.request) + renderResult(finished, services.mediaUrl);
  return reply.send(completion(who, content, 'stop', usageFor(finished.request.prompt, content)));
}

async function streamJob(
  services: GatewayServices,
  reply: FastifyReply,
  job: JobRecord,
  who: CompletionIdentity,
  body: ChatCompletionBody,
  headers: Record<string, string>,
) {
  reply.hijack();
  const stream = new SseStream(reply.raw, headers);
  const untrack = services.keepAlive.track(stream);
  const language = job.request.language;
  let sent = '';
  const send = (content: string) => {
    sent += content;
    stream.sendData(completionChunk(who, { content }));
  };

  stream.sendData(completionChunk(who, { role: 'assistant', content: '' }));
  send(renderStartLine(job.request) + renderAdjustments(job.request) + renderQueuedLine(language));

  let lastProgress = -1;
  let finished = false;
  const finish = (job: JobRecord) => {
    if (finished) return;
    finished = true;
    unsubscribe();
    untrack();
    const ok = job.status === 'succeeded';
    send(ok ? renderResult(job, services.mediaUrl) : renderFailure(language, job.error ?? { code: 'cancelled', message: 'The job was cancelled.' }));
    stream.sendData(completionChunk(who, {}, ok ? 'stop' : finishReasonFor(job.error)));
    if (body.stream_options?.include_usage) stream.sendData(usageChunk(who, usageFor(job.request.prompt, sent)));
    stream.sendData('[DONE]');
    stream.end();
  };
  const unsubscribe = services.runner.follow(job.id, (event) => {
    if (event.type === 'finished') return finish(event.job);
    if (!finished && event.progress > lastProgress) {
      lastProgress = event.progress;
      send(renderProgressLine(language, event.progress));
    }
  });
  stream.onClose(() => {
    unsubscribe();
    untrack();
  });
}
