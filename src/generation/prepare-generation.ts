import { findModel } from '../catalog/index.js';
import type { ModelSpec } from '../catalog/types.js';
import type { Config } from '../config/index.js';
import { checkReferenceCount, parsePrompt, resolveGeneration } from '../intent/index.js';
import { loadReferences, type ReferenceInput } from '../intent/references.js';
import type { ExplicitFields, GenerationRequest } from '../intent/types.js';
import type { Moderator } from '../moderation/types.js';
import type { ChannelRegistry, Route } from '../providers/registry.js';
import type { NormalisedError } from '../providers/types.js';
import type { MediaStore } from '../storage/types.js';
import { GenerationError } from '../errors/generation-error.js';

/** What every create endpoint (chat, images, videos) hands to the pipeline, in its own words mapped to ours. */
export interface GenerationInput {
  /** Public model name as the client sent it. */
  model: string;
  /** Prompt text, directives included. */
  text: string;
  references: ReferenceInput[];
  explicit: ExplicitFields;
}

export interface PreparedGeneration {
  spec: ModelSpec;
  route: Route;
  request: GenerationRequest;
  /**
   * Set when the gateway's own review stopped the request (stages 1–2). The caller still records
   * the job, failed, so the block is visible by id and reported in the usual stream or error shape.
   */
  rejection?: NormalisedError;
}

export interface PrepareDeps {
  channels: ChannelRegistry;
  media: MediaStore;
  references: Config['references'];
  moderator: Moderator;
}

export function modelNotFound(model: string): GenerationError {
  return new GenerationError(
    'model_not_found',
    `The model '${model}' does not exist or is not served by this gateway. GET /v1/models lists the models you can use.`,
    'model',
  );
}

/**
 * request → intent → moderation: resolves the model and its route, parses directives, fetches and
 * stores references, snaps the request to what the model supports, then runs stages 1 and 2.
 */
export async function prepareGeneration(input: GenerationInput, deps: PrepareDeps): Promise<PreparedGeneration> {
  const spec = findModel(input.model);
  const route = spec && deps.channels.route(spec.id);
  if (!spec || !route) throw modelNotFound(input.model);
  const parsed = parsePrompt(input.text);
  checkReferenceCount(spec, input.references.length);
  // A model that takes no references does not get them fetched at all.
  const wanted = spec.references === 'none' ? [] : input.references;
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
  const resolved = resolveGeneration(spec, parsed, input.explicit, references, input.references.length);
  const request = route.channel.provider.adapt?.(resolved, route.upstreamModel) ?? resolved;
  const block = await deps.moderator.checkRequest(spec, request);
  if (!block) return { spec, route, request };
  return {
    spec,
    route,
    request,
    rejection: { code: 'content_policy_violation', message: block.message, stage: block.stage, category: block.category, ...(block.scores && { scores: block.scores }) },
  };
}
