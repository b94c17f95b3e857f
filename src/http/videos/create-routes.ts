import { customerOf } from '../auth.js';
import type { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config/index.js';
import { parsePrompt } from '../../intent/index.js';
import type { ReferenceInput } from '../../intent/references.js';
import type { ExplicitFields } from '../../intent/types.js';
import type { JobRecord } from '../../jobs/types.js';
import { checkWebhookUrl } from '../../webhooks/url-policy.js';
import { badRequest } from '../errors.js';
import { readMultipartForm, type FormFile } from '../images/multipart-form.js';
import type { GenerationOrder } from '../../generation/pipeline.js';
import type { GenerationInput } from '../../generation/prepare-generation.js';
import { createdJobHeaders, idempotencyOf } from '../idempotency.js';
import type { GatewayServices } from '../services.js';
import { errorResponse } from '../openapi/response-schemas.js';
import { idempotencyHeaders, jobStarted, tooManyRequests } from '../route-schemas.js';
import { bodyAsSent, jsonBodyOf, parseBody } from '../validation.js';
import { findOwnedVideo, notReady } from './owned-video.js';
import { videoCreateBody, videoIdParams, videoRemixBody, type VideoCreateBody } from './schemas.js';
import { toVideoObject, videoObject } from '../../api-objects/video-object.js';
import { createsJob } from '../rate-limit.js';
import { requestOrigin } from '../request-origin.js';

export interface VideoRouteDeps {
  references: Config['references'];
}

/** OpenAI's defaults for an unspecified video: 4 seconds, 720x1280. */
const OPENAI_DEFAULT_SECONDS = 4;
const OPENAI_DEFAULT_SIZE = '720x1280';

/**
 * A JSON body (validated at the route), or a form with its one file (`input_reference`), validated
 * here with the same schema once it has been read.
 */
async function readBody<S extends z.ZodType>(
  request: FastifyRequest,
  schema: S,
  deps: VideoRouteDeps,
): Promise<{ body: z.infer<S>; fingerprintContent: unknown; upload?: FormFile }> {
  if (!request.isMultipart()) {
    const body = jsonBodyOf(schema, request.body);
    return { body, fingerprintContent: bodyAsSent(body) };
  }
  const form = await readMultipartForm(request, { maxFileBytes: deps.references.maxBytes, maxFiles: 1 });
  const upload = form.files.find((f) => f.field === 'input_reference');
  return { body: parseBody(schema, form.body), fingerprintContent: form.fingerprintContent, upload };
}

function referencesOf(body: VideoCreateBody, upload: FormFile | undefined): ReferenceInput[] {
  const ref = body.input_reference;
  if (ref === undefined) return [];
  if (upload) return [{ data: upload.data, param: 'input_reference', source: 'upload' }];
  if (ref instanceof File)
    throw badRequest('input_reference must be an uploaded file or {"image_url": …}.', 'input_reference');
  if ('file_id' in ref) {
    throw badRequest(
      'input_reference.file_id is not supported here: upload the image as input_reference, or send {"image_url": …}.',
      'input_reference.file_id',
      'unsupported_value',
    );
  }
  return [{ url: ref.image_url, param: 'input_reference.image_url', source: 'url' }];
}

/** Explicit fields, with OpenAI's defaults where neither the body nor a prompt directive says otherwise. */
function explicitOf(body: VideoCreateBody): ExplicitFields {
  const directives = parsePrompt(body.prompt).directives;
  const explicit: ExplicitFields = {};
  if (body.seconds !== undefined)
    explicit.seconds = typeof body.seconds === 'string' ? body.seconds.trim() : body.seconds;
  else if (directives.seconds === undefined) explicit.seconds = OPENAI_DEFAULT_SECONDS;
  if (body.size !== undefined) explicit.size = body.size;
  if (body.aspect_ratio !== undefined) explicit.aspect_ratio = body.aspect_ratio;
  if (
    body.size === undefined &&
    body.aspect_ratio === undefined &&
    directives.aspectRatio === undefined &&
    directives.size === undefined
  ) {
    explicit.size = OPENAI_DEFAULT_SIZE;
  }
  if (body.seed !== undefined) explicit.seed = body.seed;
  if (body.negative_prompt !== undefined) explicit.negative_prompt = body.negative_prompt;
  return explicit;
}

/** Creates the job (once per Idempotency-Key) and answers with its Video object. */
async function startVideo(
  services: GatewayServices,
  request: FastifyRequest,
  reply: FastifyReply,
  order: Omit<GenerationOrder, 'apiKeyId' | 'accountId' | 'allowedModels'>,
) {
  const created = await services.generation.create({ ...customerOf(request.apiKey), ...order });
  const { job } = created;
  reply.headers(createdJobHeaders(created));
  return toVideoObject(job);
}

const createSchema = {
  operationId: 'createVideo',
  tags: ['Videos'],
  summary: 'Start a video',
  description: 'Answers at once with the queued Video; poll GET /v1/videos/{video_id} or pass `webhook_url`.',
  headers: idempotencyHeaders,
  body: {
    content: { 'multipart/form-data': { schema: videoCreateBody }, 'application/json': { schema: videoCreateBody } },
  },
  response: {
    200: jobStarted(videoObject),
    404: errorResponse,
    409: errorResponse,
    413: errorResponse,
    429: tooManyRequests,
  },
};

const remixSchema = {
  operationId: 'remixVideo',
  tags: ['Videos'],
  summary: 'Make a new video from a completed one with a new prompt',
  description:
    "The new video keeps the original's model, duration, size and reference image; `remixed_from_video_id` names the original.",
  params: videoIdParams,
  headers: idempotencyHeaders,
  body: {
    content: { 'application/json': { schema: videoRemixBody }, 'multipart/form-data': { schema: videoRemixBody } },
  },
  response: { 200: jobStarted(videoObject), 404: errorResponse, 409: errorResponse, 429: tooManyRequests },
};

/** `POST /v1/videos` and `POST /v1/videos/{id}/remix`. */
export async function videoCreateRoutes(
  app: FastifyInstance,
  services: GatewayServices,
  deps: VideoRouteDeps,
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post('/v1/videos', { schema: createSchema, config: createsJob }, async (request, reply) => {
    const { body, fingerprintContent, upload } = await readBody(request, videoCreateBody, deps);
    const webhookUrl =
      body.webhook_url === undefined ? undefined : checkWebhookUrl(body.webhook_url, deps.references.allowlist);
    const origin = requestOrigin(request);
    return startVideo(services, request, reply, {
      idempotency: idempotencyOf(request, 'POST /v1/videos', fingerprintContent),
      input: {
        model: body.model ?? 'sora-2',
        text: body.prompt,
        references: referencesOf(body, upload),
        explicit: explicitOf(body),
        kind: 'video',
        ...(origin && { requestOrigin: origin }),
      },
      ...(webhookUrl !== undefined && { webhookUrl }),
    });
  });

  routes.post('/v1/videos/:video_id/remix', { schema: remixSchema, config: createsJob }, async (request, reply) => {
    const { body, fingerprintContent } = await readBody(request, videoRemixBody, deps);
    const webhookUrl =
      body.webhook_url === undefined ? undefined : checkWebhookUrl(body.webhook_url, deps.references.allowlist);
    const original = await findOwnedVideo(services, request, request.params.video_id);
    return startVideo(services, request, reply, {
      idempotency: idempotencyOf(request, `POST /v1/videos/${original.id}/remix`, fingerprintContent),
      input: await remixInput(services, original, request.params.video_id, body.prompt),
      remixedFrom: original.id,
      ...(webhookUrl !== undefined && { webhookUrl }),
    });
  });
}

/** The original's model, duration, size and reference image, with the new prompt. */
async function remixInput(
  services: GatewayServices,
  original: JobRecord,
  id: string,
  prompt: string,
): Promise<GenerationInput> {
  if (original.status !== 'succeeded') throw notReady(original, id, 'only a completed video can be remixed.');
  const { request } = original;
  const references = await Promise.all(
    // The original's references keep the source they had.
    request.references.map(async (ref) => ({
      data: await services.media.read(ref.key),
      param: 'input_reference',
      ...(ref.source && { source: ref.source }),
    })),
  );
  const explicit: ExplicitFields = { size: `${request.width}x${request.height}` };
  if (request.seconds !== undefined) explicit.seconds = request.seconds;
  if (request.seed !== undefined) explicit.seed = request.seed;
  if (request.quality !== undefined) explicit.quality = request.quality;
  if (request.resolution !== undefined) explicit.resolution = request.resolution;
  return { model: original.model, text: prompt, references, explicit };
}
