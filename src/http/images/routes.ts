import { customerOf } from '../auth.js';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { findModel } from '../../catalog/index.js';
import type { Config } from '../../config/index.js';
import type { ReferenceInput } from '../../intent/references.js';
import type { ExplicitFields } from '../../intent/types.js';
import { checkWebhookUrl } from '../../webhooks/url-policy.js';
import { badRequest } from '../errors.js';
import { jobErrorToApiError } from '../job-errors.js';
import type { GatewayServices } from '../services.js';
import { errorResponse } from '../openapi/response-schemas.js';
import { idempotencyHeaders, jobStarted, tooManyRequests } from '../route-schemas.js';
import { bodyAsSent, jsonBodyOf, parseBody } from '../validation.js';
import { createdJobHeaders, idempotencyOf } from '../idempotency.js';
import { readMultipartForm } from './multipart-form.js';
import { defaultResponseFormat, toImagesResponse } from './response.js';
import { imageEditForm, imageEditJson, imageGenerationBody, imagesResponse, type ImageOptions } from './schemas.js';
import { createsJob } from '../rate-limit.js';
import { awaitFinishedJob } from '../await-job.js';
import { requestOrigin } from '../request-origin.js';

export interface ImageRouteDeps {
  references: Config['references'];
}

/** What one images request asks for, whichever endpoint and encoding it came in. */
interface ImageCall {
  endpoint: string;
  options: ImageOptions;
  references: ReferenceInput[];
  mask?: ReferenceInput;
  /** Request content for the Idempotency-Key fingerprint (files as hashes). */
  fingerprintContent: unknown;
}

/** The most images an edit takes (OpenAI's GPT image limit), plus the mask. */
const MAX_EDIT_FILES = 17;

function explicitOf(options: ImageOptions): ExplicitFields {
  const explicit: ExplicitFields = {};
  if (options.size && options.size !== 'auto') explicit.size = options.size;
  if (options.aspect_ratio) explicit.aspect_ratio = options.aspect_ratio;
  if (options.n != null) explicit.n = options.n;
  if (options.quality) explicit.quality = options.quality;
  if (options.seed != null) explicit.seed = options.seed;
  if (options.negative_prompt) explicit.negative_prompt = options.negative_prompt;
  if (options.output_format) explicit.output_format = options.output_format;
  return explicit;
}

/** Refusals that need nothing fetched: wrong kind of model, streaming, impossible combinations. */
function checkCall(call: ImageCall): void {
  const { options } = call;
  if (options.stream === true || options.stream === 'true') {
    throw badRequest(
      'Streaming partial images is not supported; send stream=false and read the finished images.',
      'stream',
      'unsupported_value',
    );
  }
  if (options.background === 'transparent' && options.output_format === 'jpeg') {
    throw badRequest('background=transparent needs output_format png or webp.', 'background');
  }
  const spec = options.model ? findModel(options.model) : findModel('gpt-image-1');
  if (!spec) return; // the pipeline answers 404 model_not_found
  if (spec.kind !== 'image')
    throw badRequest(
      `${spec.id} makes videos: use POST /v1/videos, or an image model such as gpt-image-1.`,
      'model',
      'model_not_image',
    );
  const editing = call.references.length > 0;
  if (editing && spec.references === 'none') {
    throw badRequest(
      `${spec.id} cannot edit images; use one that can, such as gpt-image-1 or flux-kontext-pro.`,
      'model',
      'model_cannot_edit',
    );
  }
  if (!editing && spec.references === 'required') {
    throw badRequest(
      `${spec.id} needs an input image: use POST /v1/images/edits.`,
      'model',
      'reference_image_required',
    );
  }
}

async function runImageCall(
  services: GatewayServices,
  deps: ImageRouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  call: ImageCall,
) {
  checkCall(call);
  const { options } = call;
  const webhookUrl = options.webhook_url ? checkWebhookUrl(options.webhook_url, deps.references.allowlist) : undefined;
  const origin = requestOrigin(request);
  const created = await services.generation.create({
    ...customerOf(request.apiKey),
    idempotency: idempotencyOf(request, call.endpoint, call.fingerprintContent),
    input: {
      model: options.model ?? 'gpt-image-1',
      text: options.prompt,
      references: call.references,
      explicit: explicitOf(options),
      kind: 'image',
      ...(origin && { requestOrigin: origin }),
    },
    ...(call.mask && { mask: call.mask }),
    ...(options.background && { background: options.background }),
    ...(webhookUrl !== undefined && { webhookUrl }),
  });

  const { job } = created;
  // The job belongs to the gateway, not the connection: a client that gives up leaves it running.
  const finished = await awaitFinishedJob(services, request, reply, job.id);
  if (!finished) return reply;
  reply.headers(createdJobHeaders(created));
  if (finished.status !== 'succeeded') throw jobErrorToApiError(finished.error);
  const format = options.response_format ?? defaultResponseFormat(finished.model);
  return toImagesResponse(finished, format, { media: services.media, mediaUrl: services.mediaUrl });
}

function imageUrlOf(ref: { image_url: string } | { file_id: string }, param: string): ReferenceInput {
  if ('file_id' in ref)
    throw badRequest(
      `${param}.file_id is not supported here: upload the image, or send {"image_url": …}.`,
      `${param}.file_id`,
      'unsupported_value',
    );
  return { url: ref.image_url, param: `${param}.image_url`, source: 'url' };
}

const generationSchema = {
  operationId: 'createImage',
  tags: ['Images'],
  summary: 'Create images from a prompt',
  description:
    'Waits for the images (no streaming). `response_format` chooses a link to the stored image or the bytes inline.',
  headers: idempotencyHeaders,
  body: imageGenerationBody,
  response: {
    200: jobStarted(imagesResponse),
    404: errorResponse,
    409: errorResponse,
    429: tooManyRequests,
    502: errorResponse,
    503: errorResponse,
  },
};

const editSchema = {
  operationId: 'createImageEdit',
  tags: ['Images'],
  summary: 'Edit or combine images',
  description:
    'Upload one or more `image` files (and an optional PNG `mask`), or send `images: [{image_url}]` as JSON. Waits for the result.',
  headers: idempotencyHeaders,
  body: {
    content: { 'multipart/form-data': { schema: imageEditForm }, 'application/json': { schema: imageEditJson } },
  },
  response: {
    200: jobStarted(imagesResponse),
    404: errorResponse,
    409: errorResponse,
    429: tooManyRequests,
    413: errorResponse,
    502: errorResponse,
    503: errorResponse,
  },
};

/** `POST /v1/images/generations` (JSON) and `POST /v1/images/edits` (multipart or JSON); answers once the images exist. */
export async function imageRoutes(
  app: FastifyInstance,
  services: GatewayServices,
  deps: ImageRouteDeps,
): Promise<void> {
  await app.register(multipart);
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post('/v1/images/generations', { schema: generationSchema, config: createsJob }, async (request, reply) => {
    const options = request.body;
    return runImageCall(services, deps, request, reply, {
      endpoint: 'POST /v1/images/generations',
      options,
      references: [],
      fingerprintContent: bodyAsSent(options),
    });
  });

  routes.post('/v1/images/edits', { schema: editSchema, config: createsJob }, async (request, reply) => {
    if (!request.isMultipart()) {
      const options = jsonBodyOf(imageEditJson, request.body);
      const references = options.images.map((ref, i) => imageUrlOf(ref, `images[${i}]`));
      const mask = options.mask && imageUrlOf(options.mask, 'mask');
      return runImageCall(services, deps, request, reply, {
        endpoint: 'POST /v1/images/edits',
        options,
        references,
        mask,
        fingerprintContent: bodyAsSent(options),
      });
    }
    const form = await readMultipartForm(request, { maxFileBytes: deps.references.maxBytes, maxFiles: MAX_EDIT_FILES });
    // The SDKs send one file as `image` and several as repeated `image[]`.
    if (form.body.image instanceof File) form.body.image = [form.body.image];
    const options = parseBody(imageEditForm, form.body);
    const images = form.files.filter((f) => f.field === 'image');
    const maskFile = form.files.find((f) => f.field === 'mask');
    return runImageCall(services, deps, request, reply, {
      endpoint: 'POST /v1/images/edits',
      options,
      references: images.map((f, i) => ({ data: f.data, param: `image[${i}]`, source: 'upload' as const })),
      ...(maskFile && { mask: { data: maskFile.data, param: 'mask', source: 'upload' as const } }),
      fingerprintContent: form.fingerprintContent,
    });
  });
}
