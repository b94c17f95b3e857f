import { customerOf } from '../auth.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { JobRecord } from '../../jobs/types.js';
import type { GatewayServices } from '../services.js';
import { endedJobError, jobErrorToApiError } from '../job-errors.js';
import { SseStream } from '../sse.js';
import { chatCompletion, errorResponse } from '../openapi/response-schemas.js';
import { idempotencyHeaders, jobHeaders, tooManyRequests } from '../route-schemas.js';
import { createdJobHeaders, idempotencyOf } from '../idempotency.js';
import {
  completion,
  completionChunk,
  SentText,
  usageChunk,
  usageFor,
  type CompletionIdentity,
  type ImagePart,
} from './completion.js';
import {
  finishReasonFor,
  renderAnswer,
  renderContinuesLine,
  renderFailure,
  renderImageParts,
  renderOpening,
  renderProgressLine,
  renderResult,
} from './content.js';
import { chatCompletionBody, type ChatCompletionBody } from './schema.js';
import { chatToGenerationInput } from './to-generation-input.js';
import { createsJob } from '../rate-limit.js';
import { awaitFinishedJob } from '../await-job.js';
import { requestOrigin } from '../request-origin.js';

const chatStream = z.string().meta({
  contentMediaType: 'text/event-stream',
  description:
    'With `stream: true`: `data: {chat.completion.chunk}` lines, then `data: [DONE]`. A job that does not succeed ends with its final delta, the finish chunk, the usage chunk (with `include_usage`), then `data: {"error":{…}}` — the envelope the same request would get without streaming — then `data: [DONE]`.',
});

const schema = {
  operationId: 'createChatCompletion',
  tags: ['Chat'],
  summary: 'Generate an image or video from a chat conversation',
  description:
    'The last user message is the prompt (directives such as `16:9`, `10s` work), its image parts the references; without one, the most recent image of the conversation (see `use_history_image`). With `stream: true` the answer is `text/event-stream` of `chat.completion.chunk` objects with progress, ending in `data: [DONE]`.',
  headers: idempotencyHeaders,
  body: chatCompletionBody,
  response: {
    200: {
      description: 'Success.',
      content: { 'application/json': { schema: chatCompletion }, 'text/event-stream': { schema: chatStream } },
      headers: jobHeaders,
    },
    404: errorResponse,
    409: errorResponse,
    429: tooManyRequests,
    502: errorResponse,
    503: errorResponse,
  },
};

/** Counted against the key's and the account's requests per minute, like every request that creates a job. */
const options = { schema, config: createsJob };

/** `POST /v1/chat/completions`: a chat request becomes a generation job, followed as a stream or awaited. */
export async function chatRoutes(app: FastifyInstance, services: GatewayServices): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().post('/v1/chat/completions', options, async (request, reply) => {
    const body = request.body;
    // A retry (same Idempotency-Key, or an SDK's retry of the same body) follows the job the first attempt created.
    const created = await services.generation.create({
      ...customerOf(request.apiKey),
      idempotency: idempotencyOf(request, 'POST /v1/chat/completions', body),
      input: chatToGenerationInput(body, requestOrigin(request)),
    });
    const { job } = created;
    const who: CompletionIdentity = {
      id: `chatcmpl-${job.id}`,
      created: Math.floor(job.createdAt / 1000),
      model: body.model,
    };
    const headers = createdJobHeaders(created);
    if (body.stream) return streamJob(services, reply, job, who, body, headers);
    return awaitJob(services, request, reply, job, who, body, headers);
  });
}

async function awaitJob(
  services: GatewayServices,
  request: FastifyRequest,
  reply: FastifyReply,
  job: JobRecord,
  who: CompletionIdentity,
  body: ChatCompletionBody,
  headers: Record<string, string>,
) {
  // The job belongs to the gateway, not the connection: a client that gives up leaves it running.
  const finished = await awaitFinishedJob(services, request, reply, job.id);
  if (!finished) return reply;
  reply.headers(headers);
  if (finished.status !== 'succeeded') throw jobErrorToApiError(finished.error);
  const content = renderAnswer(finished, services.mediaUrl);
  const images = imagesFor(finished, services, body.plain);
  return reply.send(completion(who, content, 'stop', usageFor(finished.request.prompt, content), images));
}

/** `message.images` / `delta.images`: for image results, unless the request asked for a plain answer. */
function imagesFor(job: JobRecord, services: GatewayServices, plain?: boolean | null): ImagePart[] | undefined {
  if (plain) return undefined;
  const images = renderImageParts(job, services.mediaUrl);
  return images.length > 0 ? images : undefined;
}

/**
 * The closures below outlive the request by the job's whole run, so they hold what they need (the
 * job id, the prompt, two flags, a running count of what was sent) and not the job or the body.
 */
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
  const jobId = job.id;
  const { language, prompt } = job.request;
  const includeUsage = body.stream_options?.include_usage === true;
  const plain = body.plain;
  const sent = new SentText();
  const send = (content: string) => {
    sent.add(content);
    stream.sendData(completionChunk(who, { content }));
  };

  stream.sendData(completionChunk(who, { role: 'assistant', content: '' }));
  send(renderOpening(job.request));

  let lastProgress = -1;
  let finished = false;
  const finish = (ended: JobRecord) => {
    if (finished) return;
    finished = true;
    unsubscribe();
    untrack();
    const ok = ended.status === 'succeeded';
    const error = endedJobError(ended);
    const text = ok ? renderResult(ended, services.mediaUrl) : renderFailure(language, error);
    const images = ok ? imagesFor(ended, services, plain) : undefined;
    sent.add(text);
    stream.sendData(completionChunk(who, images ? { content: text, images } : { content: text }));
    stream.sendData(completionChunk(who, {}, finishReasonFor(ended)));
    if (includeUsage) stream.sendData(usageChunk(who, sent.usage(ended.request.prompt)));
    // What the same request would have been answered without streaming; the official clients raise it.
    if (!ok) stream.sendData(jobErrorToApiError(error).toBody());
    stream.sendData('[DONE]');
    stream.end();
  };
  const unsubscribe = services.runner.follow(jobId, (event) => {
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
  // The gateway is stopping: the job is not over, so say where to follow it and end the answer cleanly.
  stream.onShutdown(() => {
    if (finished) return;
    finished = true;
    unsubscribe();
    untrack();
    services.shutdown.handOff(jobId);
    send(renderContinuesLine(language, jobId, services.jobEventsUrl(jobId)));
    stream.sendData(completionChunk(who, {}, 'stop'));
    if (includeUsage) stream.sendData(usageChunk(who, sent.usage(prompt)));
    stream.sendData('[DONE]');
  });
}
