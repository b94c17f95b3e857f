import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModelSpec } from '../catalog/types.js';
import { ApiError } from './errors.js';
import { errorResponse, modelList, modelObject } from './openapi/response-schemas.js';
import type { GatewayServices } from './services.js';

/** Catalog entries carry a fixed date so `created` is stable across restarts. */
const CATALOG_CREATED = Math.floor(Date.UTC(2025, 9, 6) / 1000);

function toModelObject(spec: ModelSpec) {
  return {
    id: spec.id,
    object: 'model' as const,
    created: CATALOG_CREATED,
    owned_by: spec.ownedBy,
    // Extra, namespaced facts for clients that want to build a UI; OpenAI clients ignore them.
    mediagate: {
      kind: spec.kind,
      description: spec.description,
      capabilities: spec.capabilities,
      reference_images: spec.references,
      max_reference_images: spec.maxReferences,
      aspect_ratios: spec.aspectRatios,
      sizes: spec.sizes,
      durations: spec.durations ?? null,
      max_n: spec.maxN,
      max_prompt_chars: spec.maxPromptChars,
      formats: spec.formats,
    },
  };
}

/** `GET /v1/models` and `GET /v1/models/{id}`: the catalog models some channel serves. */
const listSchema = {
  operationId: 'listModels',
  tags: ['Models'],
  summary: 'List the models this gateway serves',
  response: { 200: modelList },
};

const retrieveSchema = {
  operationId: 'retrieveModel',
  tags: ['Models'],
  summary: 'Get one model',
  params: z.object({ model: z.string().describe('Model name, e.g. `sora-2`.') }),
  response: { 200: modelObject, 404: errorResponse },
};

export async function modelRoutes(app: FastifyInstance, services: GatewayServices): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get('/v1/models', { schema: listSchema }, async () => ({
    object: 'list' as const,
    data: services.servedModels().map(toModelObject),
  }));

  routes.get('/v1/models/:model', { schema: retrieveSchema }, async (request) => {
    const spec = services.servedModels().find((m) => m.id === request.params.model);
    if (!spec) {
      throw new ApiError(
        404,
        `The model '${request.params.model}' does not exist or is not served by this gateway.`,
        'invalid_request_error',
        'model',
        'model_not_found',
      );
    }
    return toModelObject(spec);
  });
}
