/**
 * When a signed result link stops working (unix ms), read from its query string; undefined when the
 * link is not one of the common signed forms. A 403/404/410 on a link known to be still valid is a
 * storage hiccup worth retrying; past its expiry it means the result is gone.
 */
export function signedLinkExpiry(url: string): number | undefined {
  let query: URLSearchParams;
  try {
    query = new URL(url).searchParams;
  } catch {
    return undefined;
  }
  const get = (name: string) => {
    for (const [key, value] of query) if (key.toLowerCase() === name) return value;
    return undefined;
  };
  // AWS SigV4 (S3, R2, OSS in S3 mode) and Google Cloud Storage V4: a signing time and a lifetime in seconds.
  for (const prefix of ['x-amz', 'x-goog']) {
    const signed = get(`${prefix}-date`);
    const lifetime = Number(get(`${prefix}-expires`));
    const start = signed ? compactIsoTime(signed) : undefined;
    if (start !== undefined && Number.isFinite(lifetime)) return start + lifetime * 1000;
  }
  // AWS SigV2, Google V2, Aliyun OSS, CloudFront: `Expires`, spelt so, as unix seconds. Other
  // spellings are some upstream's own convention, in units nothing says.
  const expires = Number(query.get('Expires'));
  if (query.has('Expires') && Number.isFinite(expires) && expires > 0) return expires * 1000;
  // Azure SAS: `se` as an ISO time.
  const azure = get('se');
  const parsed = azure ? Date.parse(azure) : Number.NaN;
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** `20250101T120000Z` in unix ms. */
function compactIsoTime(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}
