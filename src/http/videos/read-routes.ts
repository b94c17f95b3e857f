import { listPage } from '../../api-objects/list-page.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TERMINAL_STATUSES } from '../../jobs/types.js';
import { ApiError, badRequest } from '../errors.js';
import type { GatewayServices } from '../services.js';
import { errorResponse } from '../openapi/response-schemas.js';
import { deleteJobMedia } from './delete-media.js';
import { jobIdFromVideoId, toVideoId } from '../../api-objects/video-ids.js';
import { findOwnedVideo, notReady, videoNotFound } from './owned-video.js';
import { videoContentQuery, videoDeleted, videoIdParams, videoList, videoListQuery } from './schemas.js';
import type { VideoThumbnails } from './thumbnails.js';
import { toVideoObject, videoObject } from '../../api-objects/video-object.js';

const DEFAULT_PAGE = 20;

const binary = (contentType: string, description: string) =>
  z.string().meta({ contentMediaType: contentType, description });

const listSchema = {
  operationId: 'listVideos',
  tags: ['Videos'],
  summary: "List the caller's videos",
  description: "Cursor paging: pass the previous page's `last_id` as `after`. Videos made through chat are listed too.",
  querystring: videoListQuery,
  response: { 200: videoList },
};

const retrieveSchema = {
  operationId: 'retrieveVideo',
  tags: ['Videos'],
  summary: 'Get a video',
  params: videoIdParams,
  response: { 200: videoObject, 404: errorResponse },
};

const contentSchema = {
  operationId: 'downloadVideoContent',
  tags: ['Videos'],
  summary: 'Download the video (MP4) or its thumbnail (WebP)',
  params: videoIdParams,
  querystring: videoContentQuery,
  response: {
    200: {
      description: 'The content.',
      content: {
        'video/mp4': { schema: binary('video/mp4', 'The video.') },
        'image/webp': { schema: binary('image/webp', 'The thumbnail (variant=thumbnail).') },
      },
    },
    404: errorResponse,
    409: errorResponse,
  },
};

const deleteSchema = {
  operationId: 'deleteVideo',
  tags: ['Videos'],
  summary: 'Delete a finished video and its stored media',
  params: videoIdParams,
  response: { 200: videoDeleted, 404: errorResponse, 409: errorResponse },
};

/** `GET /v1/videos`, `GET|DELETE /v1/videos/{id}`, `GET /v1/videos/{id}/content`. */
export async function videoReadRoutes(
  app: FastifyInstance,
  services: GatewayServices,
  deps: { thumbnails: VideoThumbnails },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get('/v1/videos', { schema: listSchema }, async (request) => {
    const query = request.query;
    const after = query.after === undefined ? undefined : jobIdFromVideoId(query.after);
    if (query.after !== undefined && after === undefined)
      throw badRequest(`after must be a video id such as "video_…".`, 'after');
    const limit = query.limit ?? DEFAULT_PAGE;
    // One extra row tells whether another page follows.
    const rows = await services.jobs.list({
      apiKeyId: request.apiKey.id,
      kind: 'video',
      after,
      limit: limit + 1,
      order: query.order ?? 'desc',
    });
    return listPage(rows, limit, toVideoObject);
  });

  routes.get('/v1/videos/:video_id', { schema: retrieveSchema }, async (request) => {
    return toVideoObject(await findOwnedVideo(services, request, request.params.video_id));
  });

  routes.get('/v1/videos/:video_id/content', { schema: contentSchema }, async (request, reply) => {
    const { variant = 'video' } = request.query;
    if (variant === 'spritesheet')
      throw badRequest('variant=spritesheet is not offered; use video or thumbnail.', 'variant', 'unsupported_value');
    const id = request.params.video_id;
    const job = await findOwnedVideo(services, request, id);
    const result = job.results[0];
    if (job.status !== 'succeeded' || !result)
      throw notReady(
        job,
        id,
        job.status === 'failed' || job.status === 'cancelled'
          ? 'it has no content.'
          : 'its content is available once it has completed.',
      );
    const key = variant === 'thumbnail' ? await deps.thumbnails.thumbnailOf(result.key, result.seconds) : result.key;
    const found = await services.media.stat(key);
    if (!found)
      throw new ApiError(
        404,
        `The content of video ${id} is no longer stored.`,
        'invalid_request_error',
        'video_id',
        'video_content_missing',
      );
    reply.headers({
      'content-type': variant === 'thumbnail' ? 'image/webp' : result.contentType,
      'content-length': String(found.bytes),
      'cache-control': 'private, max-age=3600',
      'content-disposition': `inline; filename="${toVideoId(job.id)}.${variant === 'thumbnail' ? 'webp' : 'mp4'}"`,
    });
    // The schema describes the bytes as a string; they are streamed from the store.
    return (reply as FastifyReply).send(await services.media.openRead(key));
  });

  routes.delete('/v1/videos/:video_id', { schema: deleteSchema }, async (request) => {
    const id = request.params.video_id;
    const job = await findOwnedVideo(services, request, id);
    if (!TERMINAL_STATUSES.includes(job.status))
      throw notReady(job, id, 'it can be deleted once it has completed or failed.');
    if (!(await services.jobs.markDeleted(job.id, Date.now()))) throw videoNotFound(id);
    await deleteJobMedia(job, { jobs: services.jobs, media: services.media, thumbnails: deps.thumbnails });
    return { id: toVideoId(job.id), object: 'video.deleted' as const, deleted: true };
  });
}
