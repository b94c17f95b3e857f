import { UpstreamError } from '../errors.js';

/**
 * Finding the task of a create whose answer was lost, in `GET /videos?order=desc&limit=100` (the
 * documented list: `{data: [Video], last_id, has_more}`, paged with `after`). The Video object
 * echoes `model`, `prompt`, `size`, `seconds` and `created_at` (unix s), so a task may be ours when
 * all of them match what was sent and it was created after the submission (less clock skew). The
 * reference image is not echoed: two tasks that differ only by it look alike, which is why the
 * engine adopts a task only when exactly one match is not already another job's.
 */

/** How far the upstream's clock may run behind the gateway's. */
export const CLOCK_SKEW_S = 120;
const PAGE_SIZE = 100;
/** Pages read before giving up; a busy account makes more than 500 videos in a few minutes only rarely. */
export const MAX_PAGES = 5;

export interface SentVideo {
  model: string;
  prompt: string;
  /** As sent: `1280x720` or a ratio. */
  size: string;
  seconds: number;
}

interface ListPage {
  items: Record<string, unknown>[];
  lastId?: string;
  hasMore: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A listed task's id (new-api also writes it as `task_id`). */
export const listedId = (item: Record<string, unknown>): string | undefined =>
  typeof item.id === 'string' ? item.id : typeof item.task_id === 'string' ? item.task_id : undefined;

export function readListPage(body: unknown, label: string): ListPage {
  const data = isObject(body) ? body.data : undefined;
  if (!Array.isArray(data))
    throw new UpstreamError('not_accepted', {
      code: 'upstream_bad_response',
      message: `${label} answered the task list without a \`data\` list.`,
    });
  const lastId = isObject(body) && typeof body.last_id === 'string' ? body.last_id : undefined;
  return { items: data.filter(isObject), lastId, hasMore: isObject(body) && body.has_more === true };
}

/** Unix seconds, also from a reseller that writes milliseconds. */
export function createdAt(item: Record<string, unknown>): number | undefined {
  const value = typeof item.created_at === 'number' ? item.created_at : undefined;
  return value !== undefined && value > 1e11 ? value / 1000 : value;
}

/** Fields a reseller leaves out are not held against a task; those it shows must match. */
function sameRequest(item: Record<string, unknown>, sent: SentVideo): boolean {
  if (typeof item.model === 'string' && item.model !== sent.model) return false;
  if (typeof item.prompt === 'string' && item.prompt !== sent.prompt) return false;
  if (typeof item.size === 'string' && item.size.replace(/\s+/g, '') !== sent.size) return false;
  const seconds = item.seconds ?? item.duration;
  if ((typeof seconds === 'string' || typeof seconds === 'number') && Number(seconds) !== sent.seconds) return false;
  return typeof item.prompt === 'string' || typeof item.model === 'string';
}

/** Reads pages newest first until one reaches back past the submission; returns the ids of the matching tasks. */
export async function findInList(
  listPage: (after?: string) => Promise<ListPage>,
  sent: SentVideo,
  submittedAtMs: number,
  label: string,
): Promise<string[]> {
  const since = submittedAtMs / 1000 - CLOCK_SKEW_S;
  const matches = new Set<string>();
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, lastId, hasMore } = await listPage(after);
    let reachedBefore = false;
    for (const item of items) {
      const created = createdAt(item);
      if (created !== undefined && created < since) {
        reachedBefore = true;
        continue;
      }
      const id = listedId(item);
      if (id && created !== undefined && sameRequest(item, sent)) matches.add(id);
    }
    if (reachedBefore || !hasMore || !lastId) return [...matches];
    after = lastId;
  }
  throw new UpstreamError('rejected', {
    code: 'upstream_bad_response',
    message: `${label}'s task list holds more than ${MAX_PAGES * PAGE_SIZE} tasks since the submission.`,
  });
}

export const listPath = (after?: string) =>
  `videos?order=desc&limit=${PAGE_SIZE}${after ? `&after=${encodeURIComponent(after)}` : ''}`;
