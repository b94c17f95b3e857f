import { findModel } from '../../catalog/index.js';
import type { ReferenceInput } from '../../intent/references.js';
import { ApiError } from '../errors.js';
import type { GatewayServices } from '../services.js';

/**
 * `previous_response_id`: the image that response made is the reference of this one, so "now make it
 * night" edits the last picture. Only when the input brings no image of its own, and only for a model
 * that takes a reference (any other model ignores history, as in chat).
 */
export async function previousResponseReference(
  services: GatewayServices,
  apiKeyId: string,
  previousId: string,
  model: string,
  hasOwnImage: boolean,
): Promise<ReferenceInput | undefined> {
  const job = await services.findJob(previousId.replace(/^resp_/, ''));
  // Someone else's response is reported exactly like a missing one, so ids cannot be probed.
  if (!job || job.apiKeyId !== apiKeyId) {
    throw new ApiError(
      404,
      `No response with id '${previousId}'.`,
      'invalid_request_error',
      'previous_response_id',
      'response_not_found',
    );
  }
  if (hasOwnImage || findModel(model)?.references === 'none') return undefined;
  const image = job.kind === 'image' && job.status === 'succeeded' ? job.results[0] : undefined;
  if (!image) {
    throw new ApiError(
      400,
      `Response '${previousId}' has no image to continue from (a ${job.kind} job, ${job.status}). Send the image as an input_image instead.`,
      'invalid_request_error',
      'previous_response_id',
      'invalid_value',
    );
  }
  return { data: await services.media.read(image.key), param: 'previous_response_id' };
}
