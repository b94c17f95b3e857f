import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
import { idempotencyOf } from '../idempotency.js';
import type { GatewayServices } from '../services.js';
import { parseBody } from '../validation.js';
import { findOwnedVideo, notReady } from './owned-video.js';
import { videoCreateBody, videoRemixBody, type VideoCreateBody } from './schemas.js';
import { toVideoObject } from '../../api-objects/video-object.js';

export interface VideoRouteDeps {
  references: Config['references'];
}

/** OpenAI's defaults for an unspecified video: 4 seconds, 720x1280. */
const OPENAI_DEFAULT_SECONDS = 4;
const OPENAI_DEFAULT_SIZE = '720x1280';

/** A JSON body, or a form with its one file (`input_reference`). */
async function readBody(request: FastifyRequest, deps: VideoRouteDeps): Promise<{ raw: unknown; fingerprintContent: unknown; upload?: FormFile }> {
  if (!request.isMultipart()) return { raw: request.body, fingerprintContent: request.body };
  const form = await readMultipartForm(request, { maxFileBytes: deps.references.maxBytes, maxFiles: 1 });
  const upload = form.files.find((f) => f.field === 'input_reference');
  return { raw: form.body, fingerprintContent: form.fingerprintContent, upload };
}

function referencesOf(body: VideoCreateBody, upload: FormFile | undefined): ReferenceInput[] {
  const ref = body.input_reference;
  if (ref === undefined) return [];
  if (upload) return [{ data: upload.data, param: 'input_reference' }];
  if (ref instanceof File) throw badRequest('input_reference must be an uploaded file or {"image_url": …}.', 'input_reference');
  if ('file_id' in ref) {
    throw badRequest('input_reference.file_id is not supported here: upload the image as input_reference, or send {"image_url": …}.', 'input_reference.file_id', 'unsupported_value');
  }
  return [{ url: ref.image_url, param: 'input_reference.image_url' }];
}

/** Explicit fields, with OpenAI's defaults where neither the body nor a prompt directive says otherwise. */
function explicitOf(body: VideoCreateBody): ExplicitFields {
  const directives = parsePrompt(body.prompt).directives;
  const explicit: ExplicitFields = {};
  if (body.seconds !== undefined) explicit.seconds = typeof body.seconds === 'string' ? body.seconds.trim() : body.seconds;
  else if (directives.seconds === undefined) explicit.seconds = OPENAI_DEFAULT_SECONDS;
  if (body.size !== undefined) explicit.size = body.size;
  if (body.aspect_ratio !== undefined) explicit.aspect_ratio = body.aspect_ratio;
  if (body.size === undefined && body.aspect_ratio === undefined && directives.aspectRatio === undefined && directives.size === undefined) {
    explicit.size = OPENAI_DEFAULT_SIZE;
  }
  if (body.seed !== undefined) explicit.seed = body.seed;
  if (body.negative_prompt !== undefined) explicit.negative_prompt = body.negative_prompt;
  return explicit;
}

/** Creates the job (once per Idempotency-Key) and answers with its Video object. */
async function startVideo(services: GatewayServices, request: FastifyRequest, reply: FastifyReply, order: Omit<GenerationOrder, 'apiKeyId'>) {
  const { job, replayed } = await services.generation.create({ apiKeyId: request.apiKey.id, ...order });
  reply.headers({ 'x-mediagate-job-id': job.id, 'x-mediagate-channel': job.channel ?? '', ...(replayed && { 'idempotent-replayed': 'true' }) });
  return toVideoObject(job);
}

/** `POST /v1/videos` and `POST /v1/videos/{id}/remix`. */
export async function videoCreateRoutes(app: FastifyInstance, services: GatewayServices, deps: VideoRouteDeps): Promise<void> {
  app.post('/v1/videos', async (request, reply) => {
    const { raw, fingerprintContent, upload } = await readBody(request, deps);
    const body = parseBody(videoCreateBody, raw);
    const webhookUrl = body.webhook_url === undefined ? undefined : checkWebhookUrl(body.webhook_url, deps.references.allowlist);
    return startVideo(services, request, reply, {
      idempotency: idempotencyOf(request, 'POST /v1/videos', fingerprintContent),
      input: { model: body.model ?? 'sora-2', text: body.prompt, references: referencesOf(body, upload), explicit: explicitOf(body), kind: 'video' },
      ...(webhookUrl !== undefined && { webhookUrl }),
    });
  });

  app.post<{ Params: { video_id: string } }>('/v1/videos/:video_id/remix', async (request, reply) => {
    const { raw, fingerprintContent } = await readBody(request, deps);
    const body = parseBody(videoRemixBody, raw);
    const webhookUrl = body.webhook_url === undefined ? undefined : checkWebhookUrl(body.webhook_url, deps.references.allowlist);
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
async function remixInput(services: GatewayServices, original: JobRecord, id: string, prompt: string): Promise<GenerationInput> {
  if (original.status !== 'succeeded') throw notReady(original, id, 'only a completed video can be remixed.');
  const { request } = original;
  const references = await Promise.all(
    request.references.map(async (ref) => ({ data: await services.media.read(ref.key), param: 'input_reference' })),
  );
  const explicit: ExplicitFields = { size: `${request.width}x${request.height}` };
  if (request.seconds !== undefined) explicit.seconds = request.seconds;
  if (request.seed !== undefined) explicit.seed = request.seed;
  if (request.quality !== undefined) explicit.quality = request.quality;
  if (request.resolution !== undefined) explicit.resolution = request.resolution;
  return { model: original.model, text: prompt, references, explicit };
}
