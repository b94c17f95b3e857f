import { findModel } from '../../catalog/index.js';
import type { ModelSpec } from '../../catalog/types.js';
import type { Config } from '../../config/index.js';
import { checkReferenceCount, extractUserInput, parsePrompt, resolveGeneration } from '../../intent/index.js';
import { loadReferences } from '../../intent/references.js';
import type { ExplicitFields, GenerationRequest } from '../../intent/types.js';
import type { ChannelRegistry, Route } from '../../providers/registry.js';
import type { MediaStore } from '../../storage/types.js';
import { ApiError } from '../errors.js';
import type { ChatCompletionBody } from './schema.js';

export interface PreparedGeneration {
  spec: ModelSpec;
  route: Route;
  request: GenerationRequest;
}

export interface PrepareDeps {
  channels: ChannelRegistry;
  media: MediaStore;
  references: Config['references'];
}

export function modelNotFound(model: string): ApiError {
  return new ApiError(
    404,
    `The model '${model}' does not exist or is not served by this gateway. GET /v1/models lists the models you can use.`,
    'invalid_request_error',
    'model',
    'model_not_found',
  );
}

function explicitFields(body: ChatCompletionBody): ExplicitFields {
  const fields: ExplicitFields = {};
  const copy = <K extends keyof ExplicitFields>(key: K, value: ExplicitFields[K] | null | undefined) => {
    if (value !== null && value !== undefined) fields[key] = value;
  };
  copy('size', body.size);
  copy('aspect_ratio', body.aspect_ratio);
  copy('seconds', body.seconds);
  copy('duration', body.duration);
  copy('n', body.n);
  copy('quality', body.quality);
  copy('seed', body.seed);
  copy('resolution', body.resolution);
  copy('negative_prompt', body.negative_prompt);
  copy('output_format', body.output_format);
  return fields;
}

/** Chat body → model, route and a fully resolved generation request (references fetched and stored). */
export async function prepareChatGeneration(body: ChatCompletionBody, deps: PrepareDeps): Promise<PreparedGeneration> {
  const spec = findModel(body.model);
  const route = spec && deps.channels.route(spec.id);
  if (!spec || !route) throw modelNotFound(body.model);
  const input = extractUserInput(body.messages);
  const parsed = parsePrompt(input.text);
  checkReferenceCount(spec, input.imageUrls.length);
  // A model that takes no references does not get them fetched at all.
  const wanted = spec.references === 'none' ? [] : input.imageUrls;
  const references = await loadReferences(wanted, {
    store: deps.media,
    fetch: {
      maxBytes: deps.references.maxBytes,
      timeoutMs: deps.references.timeoutMs,
      maxRedirects: deps.references.maxRedirects,
      allowlist: deps.references.allowlist,
    },
    maxPixels: deps.references.maxPixels,
    maxBytes: deps.references.maxBytes,
  });
  const request = resolveGeneration(spec, parsed, explicitFields(body), references, input.imageUrls.length);
  return { spec, route, request };
}
