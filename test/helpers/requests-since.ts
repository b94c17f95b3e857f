import type { FakeUpstream, RecordedRequest } from '../fakes/fake-upstream.js';

/** What a fake upstream received after `requestsSince` was called. */
export interface RequestsSince {
  /** Every request received since the mark, in order. */
  all(): RecordedRequest[];
  matching(method: string, pattern: RegExp): RecordedRequest[];
  count(method: string, pattern: RegExp): number;
}

/**
 * Marks the fake's request log now, so a test can assert on what one action caused without the requests
 * earlier tests in the file left behind: `const sent = requestsSince(fake); …; sent.count('POST', CREATE)`.
 * Reading the log again each time keeps requests that arrive later (polls, downloads) in view.
 */
export function requestsSince(fake: FakeUpstream): RequestsSince {
  const start = fake.requests.length;
  const all = () => fake.requests.slice(start);
  const matching = (method: string, pattern: RegExp) =>
    all().filter((request) => request.method === method && pattern.test(request.path));
  return { all, matching, count: (method, pattern) => matching(method, pattern).length };
}
