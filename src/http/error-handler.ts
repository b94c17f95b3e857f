import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GenerationError } from '../errors/generation-error.js';
import { OperatorError } from '../accounts/operator-error.js';
import { ApiError } from './errors.js';
import { generationErrorToApiError } from './generation-error-response.js';
import { errorHeaders } from './retry-advice.js';

/** A client's mistake, in OpenAI's terms. */
const refusal = (status: number, message: string, code: string) =>
  new ApiError(status, message, 'invalid_request_error', null, code);

/** Maps Fastify's own errors (parsing, limits) to what an OpenAI client expects. */
function fromFastifyError(err: FastifyError): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return refusal(
        413,
        'The request body is too large. Send images as URLs, or smaller data: URLs.',
        'request_too_large',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return refusal(415, `Unsupported Content-Type. Send the body as application/json.`, 'unsupported_media_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return refusal(400, 'The request body is empty; expected a JSON object.', 'invalid_json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return refusal(400, `The request body is not valid JSON: ${err.message}`, 'invalid_json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return refusal(400, 'The body is not as long as its Content-Length header says.', 'invalid_content_length');
    case 'FST_ERR_BAD_URL':
      return refusal(400, 'The URL path has a malformed %-escape; encode reserved characters as %XX.', 'invalid_url');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return refusal(414, 'A path parameter is too long; ids are at most 100 characters.', 'path_parameter_too_long');
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return refusal(400, `The request body is not valid JSON: ${err.message}`, 'invalid_json');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError(err.statusCode, err.message, 'invalid_request_error', null, err.code ?? null);
  }
  return undefined;
}

/**
 * Fastify's `frameworkErrors` option: errors the router raises before a route is matched (a bad
 * %-escape, a too-long path parameter), which the error handler never sees.
 */
export function answerFrameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const apiError =
    fromFastifyError(err) ??
    new ApiError(400, 'The request could not be routed.', 'invalid_request_error', null, 'invalid_url');
  sendError(reply, apiError);
}

/** Every error answer: status, headers (with the retry advice), envelope. */
function sendError(reply: FastifyReply, apiError: ApiError): FastifyReply {
  return reply.status(apiError.status).headers(errorHeaders(apiError)).send(apiError.toBody());
}

function operatorErrorToApiError(err: OperatorError): ApiError {
  switch (err.code) {
    case 'account_not_found':
    case 'key_not_found':
      return new ApiError(404, err.message, 'not_found_error', err.param, err.code);
    case 'model_not_found':
    case 'invalid_value':
      return new ApiError(400, err.message, 'invalid_request_error', err.param, err.code);
  }
}

/** Renders every failure in OpenAI's envelope, in one place. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const apiError =
      err instanceof ApiError
        ? err
        : err instanceof GenerationError
          ? generationErrorToApiError(err)
          : err instanceof OperatorError
            ? operatorErrorToApiError(err)
            : fromFastifyError(err);
    if (apiError) {
      if (apiError.type === 'server_error') request.log.error({ err }, 'request failed');
      return sendError(reply, apiError);
    }
    request.log.error({ err }, 'unhandled error');
    const internal = new ApiError(
      500,
      'The gateway failed to handle this request. It has been logged; please retry.',
      'server_error',
      null,
      'internal_error',
    );
    return sendError(reply, internal);
  });

  // Node refuses an HTTP/1.1 request without Host with a bare 400 unless told not to (`requireHostHeader`);
  // it is refused here instead, in the envelope.
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && !request.headers.host) {
      throw new ApiError(
        400,
        'HTTP/1.1 requests must carry a Host header.',
        'invalid_request_error',
        'Host',
        'missing_host_header',
      );
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const notFound = new ApiError(
      404,
      `Unknown endpoint ${request.method} ${request.url.split('?')[0]}.`,
      'invalid_request_error',
      null,
      'unknown_url',
    );
    return sendError(reply, notFound);
  });
}
