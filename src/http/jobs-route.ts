import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toJobObject } from '../api-objects/job-object.js';
import { listPage } from '../api-objects/list-page.js';
import { ApiError } from './errors.js';
import { errorResponse, jobList, jobObject } from './openapi/response-schemas.js';
import { jobIdFromVideoId } from '../api-objects/video-ids.js';
import type { GatewayServices } from './services.js';
import { requireOwnJob } from './own-job.js';

export const jobIdParams = z.object({
  job_id: z
    .string()
    .describe(
      'A job id (`job_…`), a chat completion id (`chatcmpl-job_…`), a response id (`resp_job_…`) or a video id (`video_…`).',
    ),
});

const DEFAULT_PAGE = 20;

const listSchema = {
  operationId: 'listJobs',
  tags: ['Jobs'],
  summary: "List the caller's jobs, newest first",
  description:
    "Every job this API key created (chat, images, videos), with its references and results. Cursor paging: pass the previous page's `last_id` as `after`.",
  querystring: z.object({
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']).optional(),
    after: z
      .string()
      .max(128)
      .optional()
      .describe('A job id (or its `chatcmpl-`, `resp_` or `video_` form): list the jobs created before it.'),
    limit: z.coerce.number().int().min(1).max(100).optional().describe('Page size, 1–100 (default 20).'),
  }),
  response: { 200: jobList },
};

const retrieveSchema = {
  operationId: 'retrieveJob',
  tags: ['Jobs'],
  summary: 'Follow any generation by id',
  description:
    'The job behind a chat completion (`chatcmpl-<job id>` or the `x-mediagate-job-id` header), an image request or a video.',
  params: jobIdParams,
  response: { 200: jobObject, 404: errorResponse },
};

const cancelSchema = {
  operationId: 'cancelJob',
  tags: ['Jobs'],
  summary: 'Stop an unfinished job',
  description: 'Also cancels the upstream task where the protocol can. A finished job is a 409.',
  params: jobIdParams,
  response: { 200: jobObject, 404: errorResponse, 409: errorResponse },
};

/**
 * `GET /v1/jobs`: the caller's own jobs. `GET /v1/jobs/{id}`: follow any generation by id (the chat response's `x-mediagate-job-id`, or its
 * id without the `chatcmpl-` prefix), so a client whose stream dropped can still fetch the result.
 */
export async function jobRoutes(app: FastifyInstance, services: GatewayServices): Promise<void> {
  const ownJob = (request: { params: { job_id: string }; apiKey: { id: string } }) =>
    requireOwnJob(services, request.apiKey.id, request.params.job_id);
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get('/v1/jobs', { schema: listSchema }, async (request) => {
    const { status, after } = request.query;
    const limit = request.query.limit ?? DEFAULT_PAGE;
    const rows = await services.jobs.list({
      apiKeyId: request.apiKey.id,
      ...(status !== undefined && { status }),
      // Any id a client holds for the job works, as for GET /v1/jobs/{id}.
      ...(after !== undefined && { after: jobIdFromVideoId(after) ?? after }),
      // One extra row tells whether another page follows.
      limit: limit + 1,
      order: 'desc',
    });
    return listPage(rows, limit, (job) => toJobObject(job, services.mediaUrl));
  });
  routes.get('/v1/jobs/:job_id', { schema: retrieveSchema }, async (request) =>
    toJobObject(await ownJob(request), services.mediaUrl),
  );

  /** Stops an unfinished job (and its upstream task where the protocol can); a finished job is a 409. */
  routes.post('/v1/jobs/:job_id/cancel', { schema: cancelSchema }, async (request) => {
    const job = await ownJob(request);
    const cancelled = await services.runner.cancel(job.id);
    if (!cancelled) {
      // It may have finished while the cancel was on its way: name the outcome it actually has.
      const outcome = (await services.findJob(job.id))?.status ?? job.status;
      throw new ApiError(
        409,
        `Job '${job.id}' has already finished (${outcome}).`,
        'invalid_request_error',
        'id',
        'job_already_finished',
      );
    }
    return toJobObject(cancelled, services.mediaUrl);
  });
}
