import { OPTIONAL_FIELDS, type OptionalField } from '../intent/adjustments.js';
import type { GenerationRequest } from '../intent/types.js';
import { adjusted } from './snap.js';
import type { Provider } from './types.js';

/**
 * `req` without the optional fields the provider does not read for this request, each stated as
 * ignored: a seed sent to an upstream without one used to vanish with no word to the user.
 */
export function dropUnreadFields(provider: Provider, req: GenerationRequest, upstreamModel: string): GenerationRequest {
  const reads = provider.reads?.(req, upstreamModel);
  if (!reads) return req;
  return OPTIONAL_FIELDS.filter((field) => req[field] !== undefined && !reads.includes(field)).reduce(
    (out, field: OptionalField) => {
      const { [field]: _dropped, ...rest } = out;
      return adjusted(rest, { kind: 'field_ignored', model: upstreamModel, field });
    },
    req,
  );
}

/** `req` in the shape one upstream model makes (`adapt`), without what it cannot read; every change stated. */
export function fitRequest(provider: Provider, req: GenerationRequest, upstreamModel: string): GenerationRequest {
  return dropUnreadFields(provider, provider.adapt?.(req, upstreamModel) ?? req, upstreamModel);
}
