import { findModel } from '../catalog/index.js';
import { promptLimitFor } from '../catalog/prompt-limits.js';
import type { MediaKind, ModelSpec } from '../catalog/types.js';
import type { Config } from '../config/index.js';
import type { HistoryImage } from '../intent/history-images.js';
import { parsePrompt, resolveGeneration } from '../intent/index.js';
import type { OwnMedia } from '../intent/own-media.js';
import type { ReferenceDeps, ReferenceInput } from '../intent/references.js';
import type { ExplicitFields, GenerationRequest } from '../intent/types.js';
import type { Moderator } from '../moderation/types.js';
import { fitRequest } from '../providers/fit-request.js';
import type { ChannelRegistry, Route } from '../providers/registry.js';
import type { NormalisedError } from '../providers/types.js';
import type { MediaStore } from '../storage/types.js';
import { badRequest, GenerationError } from '../errors/generation-error.js';
import { loadInputReferences, ownMediaOf } from './input-references.js';

/** What every create endpoint (chat, images, videos) hands to the pipeline, in its own words mapped to ours. */
export interface GenerationInput {
  /** Public model name as the client sent it. */
  model: string;
  /** Prompt text, directives included. */
  text: string;
  references: ReferenceInput[];
  explicit: ExplicitFields;
  /** What the entry point makes (the Videos API only videos); absent when any model will do (chat). */
  kind?: MediaKind;
  /** Routes the job to this channel first instead of by priority (the operator's "test this channel"). */
  channel?: string;
  /** Chat: images of earlier turns, most recent first; one becomes the reference when `references` is empty. */
  history?: HistoryImage[];
  /** The origin the request arrived on (`http://host:port`): its `/media/` links are this gateway's own. */
  requestOrigin?: string;
  /** Where the prompt is in the request, for errors about it: `prompt` (the default), or a chat message's path. */
  promptParam?: string;
}

export interface PreparedGeneration {
  spec: ModelSpec;
  route: Route;
  request: GenerationRequest;
  /** The request before it was fitted to the route's channel: what a failover fits again. */
  original: GenerationRequest;
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
  /** Public link of a stored object: links of this form are read from the store, not fetched. */
  mediaUrl?: (key: string) => string;
}

/** The configured limits every reference image (and edit mask) is fetched, decoded and stored under. */
export function referenceDeps(
  deps: Pick<PrepareDeps, 'media' | 'references' | 'mediaUrl'>,
  requestOrigin?: string,
): ReferenceDeps & { ownMedia: OwnMedia } {
  const { maxBytes, timeoutMs, maxRedirects, allowlist, maxPixels } = deps.references;
  const fetch = { maxBytes, timeoutMs, maxRedirects, allowlist };
  return { store: deps.media, fetch, maxPixels, maxBytes, ownMedia: ownMediaOf(deps.mediaUrl, requestOrigin) };
}

export function modelNotFound(model: string): GenerationError {
  return new GenerationError(
    'model_not_found',
    `The model '${model}' does not exist or is not served by this gateway. GET /v1/models lists the models you can use.`,
    'model',
  );
}

/** A model of the other kind, named before anything is fetched; the message points to the endpoint that makes it. */
function wrongKind(spec: ModelSpec, wanted: MediaKind): GenerationError {
  return wanted === 'video'
    ? new GenerationError(
        'model_not_video',
        `${spec.id} makes images, not videos: use POST /v1/images/generations, or a video model such as sora-2.`,
        'model',
      )
    : new GenerationError(
        'model_not_image',
        `${spec.id} makes videos: use POST /v1/videos, or an image model such as gpt-image-1.`,
        'model',
      );
}

/**
 * Refuses a prompt longer than the model takes, before anything is fetched. What counts is the text
 * sent upstream: the prompt once directives are removed. The stricter of the public model's limit
 * and the serving upstream's applies, and the message names whose it is.
 */
function checkPromptLength(spec: ModelSpec, route: Route, prompt: string, param: string): void {
  const { limit, upstreamModel } = promptLimitFor(spec, route.upstreamModel);
  if (prompt.length <= limit) return;
  const taker = upstreamModel ? `${spec.id} is served here by ${upstreamModel}, which takes` : `${spec.id} takes`;
  throw badRequest(
    `The prompt is ${prompt.length} characters long (directives removed); ${taker} at most ${limit}. Shorten it.`,
    param,
    'prompt_too_long',
  );
}

/**
 * request → intent → moderation: resolves the model and its route, parses directives, fetches and
 * stores references, snaps the request to what the model supports, then runs stages 1 and 2.
 */
export async function prepareGeneration(input: GenerationInput, deps: PrepareDeps): Promise<PreparedGeneration> {
  const spec = findModel(input.model);
  if (spec && input.kind && spec.kind !== input.kind) throw wrongKind(spec, input.kind);
  const route =
    spec &&
    (input.channel === undefined ? deps.channels.route(spec.id) : deps.channels.routeOn(input.channel, spec.id));
  if (!spec || !route) throw modelNotFound(input.model);
  const parsed = parsePrompt(input.text);
  checkPromptLength(spec, route, parsed.prompt.trim(), input.promptParam ?? 'prompt');
  const { references, given, historyUnavailable } = await loadInputReferences(
    input,
    spec,
    referenceDeps(deps, input.requestOrigin),
  );
  const resolved = resolveGeneration(spec, parsed, input.explicit, references, given);
  if (historyUnavailable) resolved.adjustments.push({ kind: 'history_image_unavailable', model: spec.id });
  const request = fitRequest(route.channel.provider, resolved, route.upstreamModel);
  const block = await deps.moderator.checkRequest(spec, request);
  if (!block) return { spec, route, request, original: resolved };
  return {
    spec,
    route,
    request,
    original: resolved,
    rejection: {
      code: 'content_policy_violation',
      message: block.message,
      stage: block.stage,
      category: block.category,
      ...(block.scores && { scores: block.scores }),
    },
  };
}
