import type { JobRecord } from '../../jobs/types.js';
import { renderAnswer } from '../chat/content.js';
import { ApiError } from '../errors.js';
import type { GatewayServices } from '../services.js';
import { findOwnJob } from '../own-job.js';

/**
 * The answers a Responses request points back to, as the text of the assistant turns they were:
 * `previous_response_id`, and `item_reference` items (the AI SDK sends earlier turns as references
 * to our `msg_<job>` / `ig_<job>_<n>` ids). Put into the conversation as assistant messages, their
 * image links make editing in conversation work exactly as in chat: same rules, same line, same
 * `use_history_image` switch, and a link whose file is gone is the same 400.
 */
export interface EarlierAnswers {
  /** The answer of `previous_response_id`; it comes before the whole `input`. */
  previous?: string;
  /** The answer of each `item_reference` id that names a job of this key. */
  byItemId: Map<string, string>;
}

/** More references than any conversation a client sends; each costs a read. */
const MAX_ITEM_REFERENCES = 20;

const jobIdOfItem = (id: string) => /^(?:msg|ig|resp)_(job_[A-Za-z0-9]+)/.exec(id)?.[1];

export async function earlierAnswers(
  services: GatewayServices,
  apiKeyId: string,
  body: { previous_response_id?: string | null; input: string | unknown[] },
): Promise<EarlierAnswers> {
  const answer = (job: JobRecord) => (job.status === 'succeeded' ? renderAnswer(job, services.mediaUrl) : '');
  const answers: EarlierAnswers = { byItemId: new Map() };
  if (body.previous_response_id) {
    const id = body.previous_response_id;
    const job = await findOwnJob(services, apiKeyId, id.replace(/^resp_/, ''));
    // Someone else's response is reported exactly like a missing one, so ids cannot be probed.
    if (!job)
      throw new ApiError(
        404,
        `No response with id '${id}'.`,
        'invalid_request_error',
        'previous_response_id',
        'response_not_found',
      );
    answers.previous = answer(job);
  }
  if (!Array.isArray(body.input)) return answers;
  const ids = body.input
    .flatMap((item) =>
      typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'item_reference'
        ? [(item as { id?: unknown }).id]
        : [],
    )
    .filter((id): id is string => typeof id === 'string')
    .slice(-MAX_ITEM_REFERENCES);
  for (const id of ids) {
    const jobId = jobIdOfItem(id);
    const job = jobId && (await findOwnJob(services, apiKeyId, jobId));
    if (job) answers.byItemId.set(id, answer(job));
  }
  return answers;
}
