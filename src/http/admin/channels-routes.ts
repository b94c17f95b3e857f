import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findModel } from '../../catalog/index.js';
import { GenerationError } from '../../errors/generation-error.js';
import type { ExplicitFields } from '../../intent/types.js';
import { type Channel, RECENT_OUTCOMES } from '../../providers/channel.js';
import { ApiError, badRequest } from '../errors.js';
import { errorResponse } from '../openapi/response-schemas.js';
import type { AdminViewDeps } from './views.js';

/** How long the test action waits for its job before answering that it is still running. */
const TEST_WAIT_MS = 120_000;
const TEST_PROMPT = 'mediagate channel test: a small red circle on a white background';

export const channelStatus = z
  .object({
    name: z.string(),
    type: z.string().describe('The upstream protocol.'),
    models: z.array(z.string()).describe('Public model names the channel serves.'),
    priority: z.number(),
    weight: z.number(),
    concurrency: z
      .number()
      .int()
      .describe('Most jobs holding the channel at once, across every instance on the database.'),
    rpm: z.number().int().nullable().describe('Most submissions per API key per minute; null: no limit.'),
    keys: z.number().int().describe('API keys configured (never the keys themselves).'),
    usable_keys: z.number().int().describe('Keys the upstream has not refused.'),
    healthy: z
      .boolean()
      .describe('False while the circuit is open (after consecutive failures) or every key is refused.'),
    circuit_open_until: z
      .number()
      .int()
      .nullable()
      .describe('Unix milliseconds until which routing passes the channel over; null when the circuit is closed.'),
    in_flight: z.number().int().describe('Jobs holding a slot on the channel in this instance.'),
    recent: z
      .object({
        jobs: z.number().int().describe(`Ended jobs counted: this instance's last ${RECENT_OUTCOMES} at most.`),
        succeeded: z.number().int(),
        success_rate: z.number().nullable().describe('succeeded / jobs; null with no jobs yet.'),
        mean_latency_ms: z.number().int().nullable().describe('From submission to the end of the job.'),
        last_error_code: z.string().nullable(),
      })
      .describe('Ended jobs that reached the upstream, since this instance started (not shared between instances).'),
  })
  .describe('ChannelStatus');

export const adminChannelList = z
  .object({ object: z.literal('list'), data: z.array(channelStatus) })
  .describe('ChannelList');

export const channelTestResult = z
  .object({
    object: z.literal('channel.test'),
    channel: z.string(),
    model: z.string(),
    ok: z.boolean().describe('The job succeeded on this channel.'),
    job_id: z.string().nullable().describe('The test job (GET /admin/v1/jobs/{id}); null when none was created.'),
    status: z.string().nullable().describe('The job status; `running` when it outlasted the wait.'),
    ran_on: z.string().nullable().describe('The channel that ran the job: another one after a failover.'),
    latency_ms: z.number().int(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .describe('ChannelTestResult');

const listSchema = {
  operationId: 'adminListChannels',
  tags: ['Admin: channels'],
  summary: 'Configured channels with their health and recent results',
  response: { 200: adminChannelList },
};

const testSchema = {
  operationId: 'adminTestChannel',
  tags: ['Admin: channels'],
  summary: 'Send one real generation through a channel',
  description:
    "Creates one job through the normal pipeline, routed to this channel: one image for an image model, the shortest video the model allows for a video model. The upstream bills it like any job (the channel's price for one image or those seconds); no customer account is charged, and the job belongs to the admin key. A submission the upstream did not accept may fail over to another channel, which `ran_on` shows.",
  params: z.object({ name: z.string().max(128) }),
  body: z
    .object({ model: z.string().max(128).optional().describe('A model the channel serves (default: its first).') })
    .optional(),
  response: { 200: channelTestResult, 404: errorResponse },
};

function toChannelStatus(channel: Channel, now: number) {
  const outcomes = channel.recentOutcomes();
  const succeeded = outcomes.filter((o) => o.ok).length;
  const total = outcomes.reduce((sum, o) => sum + o.ms, 0);
  const lastFailure = [...outcomes].reverse().find((o) => !o.ok);
  const { settings } = channel;
  return {
    name: channel.name,
    type: settings.type,
    models: [...channel.models.keys()],
    priority: settings.priority,
    weight: settings.weight,
    concurrency: settings.concurrency,
    rpm: settings.rpm ?? null,
    keys: settings.keys.length,
    usable_keys: channel.keys.usable,
    healthy: channel.healthy(now),
    circuit_open_until: channel.openUntil > now ? channel.openUntil : null,
    in_flight: channel.running,
    recent: {
      jobs: outcomes.length,
      succeeded,
      success_rate: outcomes.length === 0 ? null : succeeded / outcomes.length,
      mean_latency_ms: outcomes.length === 0 ? null : Math.round(total / outcomes.length),
      last_error_code: lastFailure?.code ?? null,
    },
  };
}

/** The cheapest request for a model: one image, or the shortest video it allows. */
function cheapest(model: string): { explicit: ExplicitFields; kind: 'image' | 'video' } {
  const spec = findModel(model);
  if (spec?.kind !== 'video') return { explicit: { n: 1 }, kind: 'image' };
  const durations = spec.durations;
  const seconds = durations ? Math.min(...(durations.allowed ?? [durations.min])) : undefined;
  return { explicit: { n: 1, ...(seconds !== undefined && { seconds }) }, kind: 'video' };
}

/** `GET /admin/v1/channels`, `POST /admin/v1/channels/{name}/test`. */
export async function adminChannelRoutes(app: FastifyInstance, deps: AdminViewDeps): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get('/channels', { schema: listSchema }, async () => {
    const now = Date.now();
    return { object: 'list' as const, data: deps.channels.channels.map((c) => toChannelStatus(c, now)) };
  });

  routes.post('/channels/:name/test', { schema: testSchema }, async (request) => {
    const { name } = request.params;
    const channel = deps.channels.get(name);
    if (!channel)
      throw new ApiError(404, `No channel named '${name}'.`, 'invalid_request_error', 'name', 'channel_not_found');
    const model = request.body?.model ?? [...channel.models.keys()][0];
    if (model === undefined || !channel.models.has(model))
      throw badRequest(
        `Channel '${name}' does not serve ${model ?? 'any model'}; it serves: ${[...channel.models.keys()].join(', ') || 'none'}.`,
        'model',
      );
    const started = Date.now();
    const { explicit, kind } = cheapest(model);
    const answer = (fields: {
      job_id?: string;
      status?: string;
      ran_on?: string | null;
      ok?: boolean;
      error?: { code: string; message: string } | null;
    }) => ({
      object: 'channel.test' as const,
      channel: name,
      model,
      ok: fields.ok ?? false,
      job_id: fields.job_id ?? null,
      status: fields.status ?? null,
      ran_on: fields.ran_on ?? null,
      latency_ms: Date.now() - started,
      error: fields.error ?? null,
    });
    let created: Awaited<ReturnType<AdminViewDeps['generation']['create']>>;
    try {
      // No account: nothing is reserved or charged to a customer; the job is the admin key's.
      created = await deps.generation.create({
        apiKeyId: request.adminKey.id,
        input: { model, text: TEST_PROMPT, references: [], explicit, kind, channel: name },
      });
    } catch (err) {
      if (!(err instanceof GenerationError)) throw err;
      return answer({ error: { code: err.code, message: err.message } });
    }
    const ended = await deps.runner.waitFor(
      created.job.id,
      AbortSignal.any([AbortSignal.timeout(TEST_WAIT_MS), deps.shutdown.signal]),
    );
    const job = ended ?? (await deps.jobs.get(created.job.id)) ?? created.job;
    return answer({
      job_id: job.id,
      status: job.status,
      ran_on: job.channel,
      ok: job.status === 'succeeded' && job.channel === name,
      error: job.error
        ? { code: job.error.code, message: job.error.message }
        : job.status === 'succeeded' || ended
          ? null
          : deps.shutdown.stopping
            ? {
                code: 'server_shutting_down',
                message: `The server is restarting; job ${job.id} keeps running and resumes when the server is back.`,
              }
            : {
                code: 'test_timeout',
                message: `The job did not end within ${TEST_WAIT_MS / 1000} s; it keeps running.`,
              },
    });
  });
}
