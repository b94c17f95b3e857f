import type { z } from 'zod';
import { videoContentQuery, videoListQuery } from '../videos/schemas.js';

/** How an operation is described; `document.ts` turns these into OpenAPI. */
export interface OperationSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI path template, e.g. `/v1/videos/{video_id}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** False for the few public endpoints. */
  auth: boolean;
  pathParams?: Record<string, string>;
  query?: z.ZodObject;
  /** Request schema names by content type. */
  body?: Partial<Record<'application/json' | 'multipart/form-data', string>>;
  /** Idempotency-Key is honoured. */
  idempotent?: boolean;
  /** By status: a schema name, or raw content (`{contentType: description}`). */
  responses: Record<string, string | { raw: Record<string, string>; description: string }>;
}

const ERRORS = { '400': 'Error', '401': 'Error' };
/** `/v1/jobs/{job_id}` takes any id a client holds for the job. */
const JOB_ID = { job_id: 'A job id (`job_…`), a chat completion id (`chatcmpl-job_…`) or a video id (`video_…`).' };
const VIDEO_ID = { video_id: 'A video id (`video_…`); a job id (`job_…`) or chat completion id (`chatcmpl-job_…`) of a video job works too.' };

export const OPERATIONS: OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/chat/completions',
    operationId: 'createChatCompletion',
    tag: 'Chat',
    summary: 'Generate an image or video from a chat conversation',
    description:
      'The last user message is the prompt (directives such as `16:9`, `10s` work), its image parts the references. With `stream: true` the answer is `text/event-stream` of `chat.completion.chunk` objects with progress, ending in `data: [DONE]`.',
    auth: true,
    idempotent: true,
    body: { 'application/json': 'ChatCompletionRequest' },
    responses: {
      '200': 'ChatCompletion',
      ...ERRORS,
      '404': 'Error',
      '409': 'Error',
      '502': 'Error',
    },
  },
  {
    method: 'post',
    path: '/v1/images/generations',
    operationId: 'createImage',
    tag: 'Images',
    summary: 'Create images from a prompt',
    description: 'Waits for the images (no streaming). `response_format` chooses a link to the stored image or the bytes inline.',
    auth: true,
    idempotent: true,
    body: { 'application/json': 'ImageGenerationRequest' },
    responses: { '200': 'ImagesResponse', ...ERRORS, '404': 'Error', '409': 'Error', '502': 'Error' },
  },
  {
    method: 'post',
    path: '/v1/images/edits',
    operationId: 'createImageEdit',
    tag: 'Images',
    summary: 'Edit or combine images',
    description: 'Upload one or more `image` files (and an optional PNG `mask`), or send `images: [{image_url}]` as JSON. Waits for the result.',
    auth: true,
    idempotent: true,
    body: { 'multipart/form-data': 'ImageEditForm', 'application/json': 'ImageEditJsonRequest' },
    responses: { '200': 'ImagesResponse', ...ERRORS, '404': 'Error', '409': 'Error', '413': 'Error', '502': 'Error' },
  },
  {
    method: 'post',
    path: '/v1/videos',
    operationId: 'createVideo',
    tag: 'Videos',
    summary: 'Start a video',
    description: 'Answers at once with the queued Video; poll GET /v1/videos/{video_id} or pass `webhook_url`.',
    auth: true,
    idempotent: true,
    body: { 'multipart/form-data': 'VideoCreateRequest', 'application/json': 'VideoCreateRequest' },
    responses: { '200': 'Video', ...ERRORS, '404': 'Error', '409': 'Error', '413': 'Error' },
  },
  {
    method: 'get',
    path: '/v1/videos',
    operationId: 'listVideos',
    tag: 'Videos',
    summary: "List the caller's videos",
    description: 'Cursor paging: pass the previous page\'s `last_id` as `after`. Videos made through chat are listed too.',
    auth: true,
    query: videoListQuery,
    responses: { '200': 'VideoList', ...ERRORS },
  },
  {
    method: 'get',
    path: '/v1/videos/{video_id}',
    operationId: 'retrieveVideo',
    tag: 'Videos',
    summary: 'Get a video',
    auth: true,
    pathParams: VIDEO_ID,
    responses: { '200': 'Video', '401': 'Error', '404': 'Error' },
  },
  {
    method: 'delete',
    path: '/v1/videos/{video_id}',
    operationId: 'deleteVideo',
    tag: 'Videos',
    summary: 'Delete a finished video and its stored media',
    auth: true,
    pathParams: VIDEO_ID,
    responses: { '200': 'DeletedVideo', '401': 'Error', '404': 'Error', '409': 'Error' },
  },
  {
    method: 'get',
    path: '/v1/videos/{video_id}/content',
    operationId: 'downloadVideoContent',
    tag: 'Videos',
    summary: 'Download the video (MP4) or its thumbnail (WebP)',
    auth: true,
    pathParams: VIDEO_ID,
    query: videoContentQuery,
    responses: {
      '200': { raw: { 'video/mp4': 'The video.', 'image/webp': 'The thumbnail (variant=thumbnail).' }, description: 'The content.' },
      ...ERRORS,
      '404': 'Error',
      '409': 'Error',
    },
  },
  {
    method: 'post',
    path: '/v1/videos/{video_id}/remix',
    operationId: 'remixVideo',
    tag: 'Videos',
    summary: 'Make a new video from a completed one with a new prompt',
    description: 'The new video keeps the original\'s model, duration, size and reference image; `remixed_from_video_id` names the original.',
    auth: true,
    idempotent: true,
    pathParams: VIDEO_ID,
    body: { 'application/json': 'VideoRemixRequest', 'multipart/form-data': 'VideoRemixRequest' },
    responses: { '200': 'Video', ...ERRORS, '404': 'Error', '409': 'Error' },
  },
  {
    method: 'get',
    path: '/v1/jobs/{job_id}',
    operationId: 'retrieveJob',
    tag: 'Jobs',
    summary: 'Follow any generation by id',
    description: 'The job behind a chat completion (`chatcmpl-<job id>` or the `x-mediagate-job-id` header), an image request or a video.',
    auth: true,
    pathParams: JOB_ID,
    responses: { '200': 'Job', '401': 'Error', '404': 'Error' },
  },
  {
    method: 'post',
    path: '/v1/jobs/{job_id}/cancel',
    operationId: 'cancelJob',
    tag: 'Jobs',
    summary: 'Stop an unfinished job',
    description: 'Also cancels the upstream task where the protocol can. A finished job is a 409.',
    auth: true,
    pathParams: JOB_ID,
    responses: { '200': 'Job', '401': 'Error', '404': 'Error', '409': 'Error' },
  },
  {
    method: 'get',
    path: '/v1/models',
    operationId: 'listModels',
    tag: 'Models',
    summary: 'List the models this gateway serves',
    auth: true,
    responses: { '200': 'ModelList', '401': 'Error' },
  },
  {
    method: 'get',
    path: '/v1/models/{model}',
    operationId: 'retrieveModel',
    tag: 'Models',
    summary: 'Get one model',
    auth: true,
    pathParams: { model: 'Model name, e.g. `sora-2`.' },
    responses: { '200': 'Model', '401': 'Error', '404': 'Error' },
  },
  {
    method: 'get',
    path: '/v1/webhooks/default',
    operationId: 'getWebhookDefault',
    tag: 'Webhooks',
    summary: "The caller's default webhook URL",
    auth: true,
    responses: { '200': 'WebhookDefault', '401': 'Error' },
  },
  {
    method: 'put',
    path: '/v1/webhooks/default',
    operationId: 'setWebhookDefault',
    tag: 'Webhooks',
    summary: "Set (or clear with null) the caller's default webhook URL",
    auth: true,
    body: { 'application/json': 'WebhookDefaultRequest' },
    responses: { '200': 'WebhookDefault', ...ERRORS },
  },
  {
    method: 'get',
    path: '/media/{key}',
    operationId: 'getMedia',
    tag: 'Media',
    summary: 'A stored result or reference (public, immutable, supports Range)',
    auth: false,
    pathParams: { key: 'Storage key from a result link, e.g. `ab/ab12….png`.' },
    responses: {
      '200': { raw: { 'image/png': 'Image', 'image/jpeg': 'Image', 'image/webp': 'Image', 'video/mp4': 'Video' }, description: 'The stored object.' },
      '206': { raw: { 'application/octet-stream': 'The requested byte range.' }, description: 'Partial content.' },
      '404': 'Error',
    },
  },
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    tag: 'Meta',
    summary: 'Liveness check',
    auth: false,
    responses: { '200': 'Health' },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    tag: 'Meta',
    summary: 'This document',
    auth: false,
    responses: { '200': { raw: { 'application/json': 'OpenAPI 3.1 document.' }, description: 'The document.' } },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    tag: 'Meta',
    summary: 'Readable API reference (HTML)',
    auth: false,
    responses: { '200': { raw: { 'text/html': 'Reference page.' }, description: 'The page.' } },
  },
];
