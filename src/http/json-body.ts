import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

/**
 * Deepest nesting of arrays and objects a JSON body may have. Real requests nest four or five
 * levels (messages → content → part → image_url); everything that later walks a body
 * (fingerprints, validation, logging, JSON.stringify into the job row) recurses, so the bound is
 * enforced once, here, before the body is parsed.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The deepest nesting in a JSON text, counted in one pass without parsing (brackets inside strings
 * do not count). Stops as soon as `limit` is passed, so a hostile body costs no more than a scan.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Replaces Fastify's JSON parser with the same parser behind the depth bound. */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepthExceeds(body as string, MAX_JSON_DEPTH)) {
      done(
        new ApiError(
          400,
          `The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep; no field of this API nests that far.`,
          'invalid_request_error',
          null,
          'json_too_deep',
        ),
        undefined,
      );
      return;
    }
    parse(request, body as string, done);
  });
}
