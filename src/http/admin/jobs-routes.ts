import { listPage } from '../../api-objects/list-page.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toJobObject } from '../../api-objects/job-object.js';
import { jobIdFromVideoId } from '../../api-objects/video-ids.js';
import { listLedgerEntries } from '../../billing/ledger-entries.js';
import type { JobRecord } from '../../jobs/types.js';
import { ApiError } from '../errors.js';
import { errorResponse, jobObject } from '../openapi/response-schemas.js';
import { parseTime } from '../usage/usage-query.js';
import type { AdminViewDeps } from './views.js';

const DEFAULT_PAGE = 20;

export const adminJob = jobObject
  .extend({
    api_key_id: z.string().describe('The key that created the job (an admin key id for a channel test).'),
    account_id: z.string().nullable().describe('The account charged; null when nothing was reserved.'),
    quote: z
      .object({
        unit: z.enum(['image', 'second']),
        unitPrice: z.number().int(),
        outputs: z.number().int(),
        unitsPerOutput: z.number().int(),
        amount: z.number().int(),
      })
      .nullable()
      .describe('What was reserved when the job was created.'),
    loss: z
      .number()
      .int()
      .nullable()
      .describe('Credits of work the upstream likely billed but the gateway could not deliver; to reconcile.'),
    deleted_at: z.number().int().nullable(),
  })
  .describe('AdminJob');

const ledgerEntry = z.object({
  id: z.string(),
  kind: z.enum(['top_up', 'reservation', 'capture', 'release', 'adjustment', 'loss']),
  amount: z.number().int(),
  account_id: z.string(),
  api_key_id: z.string().nullable(),
  job_id: z.string().nullable(),
  model: z.string().nullable(),
  note: z.string().nullable(),
  created_at: z.number().int().describe('Unix milliseconds.'),
});

export const adminJobDetail = adminJob
  .extend({ ledger: z.array(ledgerEntry).describe("The job's ledger entries, oldest first.") })
  .describe('AdminJobDetail');

export const adminJobList = z
  .object({
    object: z.literal('list'),
    data: z.array(adminJob),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
    has_more: z.boolean(),
  })
  .describe('AdminJobList');

const listSchema = {
  operationId: 'adminListJobs',
  tags: ['Admin: jobs'],
  summary: 'Jobs of every account, newest first',
  description: "Cursor paging: pass the previous page's `last_id` as `after`. Deleted jobs are listed too.",
  querystring: z.object({
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']).optional(),
    model: z.string().max(128).optional(),
    channel: z.string().max(128).optional(),
    account: z.string().max(128).optional().describe('An account id.'),
    key: z.string().max(128).optional().describe('An API key id.'),
    since: z.string().max(64).optional().describe('Created at or after: an ISO 8601 date or time, or unix seconds.'),
    until: z.string().max(64).optional().describe('Created before: an ISO 8601 date or time, or unix seconds.'),
    after: z.string().max(128).optional().describe('A job id: list the jobs created before it.'),
    limit: z.coerce.number().int().min(1).max(100).optional().describe('Page size, 1–100 (default 20).'),
  }),
  response: { 200: adminJobList },
};

const retrieveSchema = {
  operationId: 'adminRetrieveJob',
  tags: ['Admin: jobs'],
  summary: 'A job of any account, with its ledger entries',
  params: z.object({ job_id: z.string().max(128).describe('A job id (`job_…`) or a video id (`video_…`).') }),
  response: { 200: adminJobDetail, 404: errorResponse },
};

function toAdminJob(job: JobRecord, mediaUrl: (key: string) => string) {
  return {
    ...toJobObject(job, mediaUrl),
    api_key_id: job.apiKeyId,
    account_id: job.accountId ?? null,
    quote: job.quote ? { ...job.quote } : null,
    loss: job.loss ?? null,
    deleted_at: job.deletedAt ?? null,
  };
}

/** `GET /admin/v1/jobs`, `GET /admin/v1/jobs/{id}`. */
export async function adminJobRoutes(app: FastifyInstance, deps: AdminViewDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get('/jobs', { schema: listSchema }, async (request) => {
    const q = request.query;
    const limit = q.limit ?? DEFAULT_PAGE;
    const rows = await deps.jobs.search({
      ...(q.status !== undefined && { status: q.status }),
      ...(q.model !== undefined && { model: q.model }),
      ...(q.channel !== undefined && { channel: q.channel }),
      ...(q.account !== undefined && { accountId: q.account }),
      ...(q.key !== undefined && { apiKeyId: q.key }),
      ...(q.since !== undefined && { since: parseTime(q.since, 'since') }),
      ...(q.until !== undefined && { until: parseTime(q.until, 'until') }),
      ...(q.after !== undefined && { after: q.after }),
      // One extra row tells whether another page follows.
      limit: limit + 1,
    });
    return listPage(rows, limit, (job) => toAdminJob(job, deps.mediaUrl));
  });

  routes.get('/jobs/:job_id', { schema: retrieveSchema }, async (request) => {
    const id = request.params.job_id;
    const job = await deps.jobs.get(jobIdFromVideoId(id) ?? id);
    if (!job) throw new ApiError(404, `No job with id '${id}'.`, 'invalid_request_error', 'id', 'job_not_found');
    const entries = await listLedgerEntries(deps.db, { jobId: job.id, limit: 100 });
    return {
      ...toAdminJob(job, deps.mediaUrl),
      ledger: entries.reverse().map((e) => ({
        id: e.id,
        kind: e.kind,
        amount: e.amount,
        account_id: e.accountId,
        api_key_id: e.apiKeyId,
        job_id: e.jobId,
        model: e.model,
        note: e.note,
        created_at: e.createdAt,
      })),
    };
  });
}
