import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { JobRecord } from '../../jobs/types.js';
import { customerOf } from '../auth.js';
import { ApiError } from '../errors.js';
import { createdJobHeaders, idempotencyOf } from '../idempotency.js';
import { awaitFinishedJob } from '../await-job.js';
import { requestOrigin } from '../request-origin.js';
import { jobErrorToApiError } from '../job-errors.js';
import { errorResponse } from '../openapi/response-schemas.js';
import { createsJob } from '../rate-limit.js';
import { idempotencyHeaders, jobHeaders, tooManyRequests } from '../route-schemas.js';
import type { GatewayServices } from '../services.js';
import { findOwnJob } from '../own-job.js';
import { renderAnswer } from '../chat/content.js';
import { completedState, imageCallItems, stateOfJob } from './answer.js';
import { responseEventStream, responseObjectSchema } from './openapi-schemas.js';
import { identityOf, responseObject, type ResponseIdentity } from './response-object.js';
import { earlierAnswers } from './earlier-answers.js';
import { responseCreateBody, responseIdParams } from './schema.js';
import { streamResponse } from './stream-response.js';
import { generatingModel, imageToolOf, responseToGenerationInput } from './to-generation-input.js';

const createSchema = {
  operationId: 'createResponse',
  tags: ['Responses'],
  summary: 'Generate an image or video through the Responses API',
  description:
    'The last user message of `input` is the prompt (directives such as `16:9`, `10s` work), its `input_image` parts the references. The output is one `message` whose `output_text` is the chat completion answer; with the `image_generation` tool, also an `image_generation_call` item per image. With `stream: true` the answer is the typed Responses events. A failed generation answers the same error as chat completions.',
  headers: idempotencyHeaders,
  body: responseCreateBody,
  response: {
    200: {
      description: 'Success.',
      content: {
        'application/json': { schema: responseObjectSchema },
        'text/event-stream': { schema: responseEventStream },
      },
      headers: jobHeaders,
    },
    404: errorResponse,
    409: errorResponse,
    429: tooManyRequests,
    502: errorResponse,
    503: errorResponse,
  },
};

const retrieveSchema = {
  operationId: 'retrieveResponse',
  tags: ['Responses'],
  summary: 'Fetch a response by id',
  description:
    '`in_progress` while the job runs, then `completed` (the message with the answer), `failed` (with `error`) or `cancelled`.',
  params: responseIdParams,
  response: { 200: responseObjectSchema, 404: errorResponse },
};

/** `POST /v1/responses` and `GET /v1/responses/{id}`: the Responses API over the same jobs as chat. */
export async function responseRoutes(app: FastifyInstance, services: GatewayServices): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post('/v1/responses', { schema: createSchema, config: createsJob }, async (request, reply) => {
    const body = request.body;
    const tool = imageToolOf(body);
    const model = generatingModel(
      body,
      tool,
      services.servedModels().map((spec) => spec.id),
    );
    const earlier = await earlierAnswers(services, request.apiKey.id, body);
    const input = responseToGenerationInput(body, model, tool, requestOrigin(request), earlier);
    // A retry (same Idempotency-Key, or an SDK's retry of the same body) follows the job the first attempt created.
    const created = await services.generation.create({
      ...customerOf(request.apiKey),
      idempotency: idempotencyOf(request, 'POST /v1/responses', body),
      input,
      ...(tool?.background && tool.background !== 'auto' && { background: tool.background }),
    });
    const { job } = created;
    const who = identityOf(job, body.model, {
      tools: body.tools ?? [],
      instructions: body.instructions ?? null,
      previous_response_id: body.previous_response_id ?? null,
    });
    const headers = createdJobHeaders(created);
    const withImageCalls = tool !== undefined;
    if (body.stream) return streamResponse(services, reply, job, who, headers, withImageCalls);
    if (body.background) {
      reply.headers(headers);
      return { ...responseObject(who, stateOfJob(job, services.mediaUrl)), background: true };
    }
    return awaitResponse(services, request, reply, job, who, headers, withImageCalls);
  });

  routes.get('/v1/responses/:response_id', { schema: retrieveSchema }, async (request) => {
    const id = request.params.response_id;
    const job = await findOwnJob(services, request.apiKey.id, id.replace(/^resp_/, ''));
    if (!job) {
      throw new ApiError(
        404,
        `No response with id '${id}'.`,
        'invalid_request_error',
        'response_id',
        'response_not_found',
      );
    }
    return responseObject(identityOf(job, job.model), stateOfJob(job, services.mediaUrl));
  });
}

async function awaitResponse(
  services: GatewayServices,
  request: FastifyRequest,
  reply: FastifyReply,
  job: JobRecord,
  who: ResponseIdentity,
  headers: Record<string, string>,
  withImageCalls: boolean,
) {
  // The job belongs to the gateway, not the connection: a client that gives up leaves it running.
  const finished = await awaitFinishedJob(services, request, reply, job.id);
  if (!finished) return reply;
  reply.headers(headers);
  // The same status and envelope as chat completions, so every client's retry rules read it alike.
  if (finished.status !== 'succeeded') throw jobErrorToApiError(finished.error);
  const imageCalls = withImageCalls ? await imageCallItems(finished, services.media) : [];
  const state = completedState(finished, renderAnswer(finished, services.mediaUrl), imageCalls);
  return reply.send(responseObject(who, state));
}
