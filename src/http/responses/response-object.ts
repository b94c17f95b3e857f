import type { JobRecord } from '../../jobs/types.js';
import { estimateTokens } from '../chat/completion.js';

/** A `response` as OpenAI documents it, for POST (awaited, streamed, background) and GET alike. */

export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'cancelled' | 'incomplete';

export interface ResponseIdentity {
  /** `resp_<job id>`. */
  id: string;
  created_at: number;
  /** The model as the client named it. */
  model: string;
  /** The `tools` the client sent, echoed as OpenAI does. */
  tools: unknown[];
  instructions: string | null;
  previous_response_id: string | null;
}

export const responseIdOf = (jobId: string) => `resp_${jobId}`;
export const messageIdOf = (jobId: string) => `msg_${jobId}`;
export const imageCallIdOf = (jobId: string, index: number) => `ig_${jobId}_${index}`;

export function identityOf(
  job: JobRecord,
  model: string,
  extra: Partial<Pick<ResponseIdentity, 'tools' | 'instructions' | 'previous_response_id'>> = {},
) {
  return {
    id: responseIdOf(job.id),
    created_at: Math.floor(job.createdAt / 1000),
    model,
    tools: extra.tools ?? [],
    instructions: extra.instructions ?? null,
    previous_response_id: extra.previous_response_id ?? null,
  } satisfies ResponseIdentity;
}

export const outputText = (text: string) => ({ type: 'output_text' as const, text, annotations: [], logprobs: [] });

export type MessageItem = ReturnType<typeof messageItem>;
export type ImageCallItem = ReturnType<typeof imageCallItem>;
export type OutputItem = MessageItem | ImageCallItem;

export function messageItem(jobId: string, text: string, status: 'in_progress' | 'completed' | 'incomplete') {
  return {
    id: messageIdOf(jobId),
    type: 'message' as const,
    status,
    role: 'assistant',
    content: status === 'in_progress' ? [] : [outputText(text)],
  };
}

/** OpenAI's `image_generation_call` item: the image as base64, plus the settings it was made with. */
export function imageCallItem(job: JobRecord, index: number, base64: string) {
  const request = job.request;
  const result = job.results[index];
  return {
    id: imageCallIdOf(job.id, index),
    type: 'image_generation_call' as const,
    status: 'completed',
    result: base64,
    revised_prompt: request.prompt,
    size: `${result?.width ?? request.width}x${result?.height ?? request.height}`,
    output_format: result?.contentType.replace('image/', '') ?? 'png',
    quality: request.quality ?? 'auto',
    background: request.background ?? 'auto',
  };
}

/** Token counts are estimates (media is not billed by tokens); they keep clients' accounting sane. */
export function responseUsage(prompt: string, text: string) {
  const input_tokens = estimateTokens(prompt);
  const output_tokens = estimateTokens(text);
  return {
    input_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input_tokens + output_tokens,
  };
}

export interface ResponseState {
  status: ResponseStatus;
  output: OutputItem[];
  usage: ReturnType<typeof responseUsage> | null;
  error: { code: string; message: string } | null;
  incompleteReason?: string;
  /** Unix milliseconds the job ended, for `completed_at`. */
  completedAt?: number | null;
}

export function responseObject(who: ResponseIdentity, state: ResponseState) {
  const ended = state.status !== 'queued' && state.status !== 'in_progress';
  return {
    id: who.id,
    object: 'response' as const,
    created_at: who.created_at,
    status: state.status,
    completed_at: state.status === 'completed' && state.completedAt ? Math.floor(state.completedAt / 1000) : null,
    background: false,
    error: state.error,
    incomplete_details: state.incompleteReason ? { reason: state.incompleteReason } : null,
    instructions: who.instructions,
    max_output_tokens: null,
    metadata: {},
    model: who.model,
    output: state.output,
    parallel_tool_calls: true,
    previous_response_id: who.previous_response_id,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: who.tools,
    top_p: 1,
    truncation: 'disabled',
    usage: ended ? state.usage : null,
    user: null,
  };
}
