import { APIError } from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { TEST_API_KEY, type RunningGateway } from './gateway.js';

/** A chat request as the official client sends it, without `stream`, plus mediagate's extension fields (`output_format`). */
export type ChatBody = Omit<ChatCompletionCreateParamsStreaming, 'stream'> & { [field: string]: unknown };

/** A streamed chat answer, read to its end. */
export interface StreamedChat {
  /** The completion id, which is the job id. */
  id: string;
  /** Every chunk's content delta in order, `''` for a chunk without one. */
  deltas: string[];
  /** The deltas joined. */
  text: string;
  /** Every percentage of a `Progress N%` / `进度 N%` delta, in order. */
  progress: number[];
  /** The last finish_reason a chunk carried. */
  finish: string | null | undefined;
  /**
   * The error a stream that did not succeed ends with (`data: {"error":…}` after the finish chunk),
   * as the official client raises it; undefined for a success.
   */
  error: APIError | undefined;
  /** The HTTP response, for headers such as `x-mediagate-job-id`. */
  response: Response;
}

/** Sends `body` with `stream: true` through the official client and reads the stream to its end. */
export async function streamChat(gw: RunningGateway, body: ChatBody): Promise<StreamedChat> {
  const { data: stream, response } = await gw.client.chat.completions.create({ ...body, stream: true }).withResponse();
  let id = '';
  const deltas: string[] = [];
  let finish: string | null | undefined;
  let error: APIError | undefined;
  try {
    for await (const chunk of stream) {
      id = chunk.id;
      deltas.push(chunk.choices[0]?.delta?.content ?? '');
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
  } catch (thrown) {
    if (!(thrown instanceof APIError)) throw thrown;
    error = thrown;
  }
  const progress = deltas.filter((d) => /(Progress|进度) \d+%/.test(d)).map((d) => Number(/(\d+)%/.exec(d)![1]));
  return { id, deltas, text: deltas.join(''), progress, finish, error, response };
}

/** The job as `GET /v1/jobs/{id}` reports it. */
export async function jobOf(gw: RunningGateway, id: string) {
  return (await fetch(`${gw.baseUrl}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } })).json();
}
