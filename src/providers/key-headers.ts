/**
 * Builders for `Provider.authHeaders`: the headers that carry one key of a channel. An empty key
 * (a channel without keys, such as a local server) sends no auth header at all.
 */

/** `Authorization: Bearer <key>`, what most upstreams take. */
export const bearerKeyHeaders = (apiKey: string): Record<string, string> =>
  apiKey ? { authorization: `Bearer ${apiKey}` } : {};

/** The key as the whole value of a header of its own, e.g. BFL's `x-key` or Google's `x-goog-api-key`. */
export const keyHeaderNamed =
  (name: string) =>
  (apiKey: string): Record<string, string> =>
    apiKey ? { [name]: apiKey } : {};
