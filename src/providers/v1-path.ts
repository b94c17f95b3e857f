/** A path under the API's `/v1`, whether the channel's base URL was configured with `/v1` or as the bare host. */
export function v1Path(baseUrl: string, path: string): string {
  return /\/v1\/?$/.test(baseUrl) ? path : `v1/${path}`;
}
