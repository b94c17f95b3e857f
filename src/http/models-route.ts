import type { FastifyInstance } from 'fastify';
import type { ModelSpec } from '../catalog/types.js';
import { ApiError } from './errors.js';
import type { GatewayServices } from './services.js';

/** Catalog entries carry a fixed date so `created` is stable across restarts. */
const CATALOG_CREATED = Math.floor(Date.UTC(2025, 9, 6) / 1000);

function toModelObject(spec: ModelSpec) {
  return {
    id: spec.id,
    object: 'model',
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
      formats: spec.formats,
    },
  };
}

/** `GET /v1/models` and `GET /v1/models/{id}`: the catalog models some channel serves. */
export async function modelRoutes(app: FastifyInstance, services: GatewayServices): Promise<void> {
  app.get('/v1/models', async () => ({ object: 'list', data: services.servedModels().map(toModelObject) }));

  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request) => {
    const spec = services.servedModels().find((m) => m.id === request.params.id);
    if (!spec) {
      throw new ApiError(404, `The model '${request.params.id}' does not exist or is not served by this gateway.`, 'invalid_request_error', 'model', 'model_not_found');
    }
    return toModelObject(spec);
  });
}
