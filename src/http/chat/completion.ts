/** Builders for OpenAI's `chat.completion` and `chat.completion.chunk` objects. */

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/**
 * Rough token count for usage reporting: one per CJK character, one per four other characters.
 * Media jobs are not billed by tokens; the numbers only keep chat clients' accounting sane.
 */
export function estimateTokens(text: string): number {
  const cjk = text.match(/[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff]/g)?.length ?? 0;
  return cjk + Math.ceil((text.length - cjk) / 4);
}

export function usageFor(prompt: string, completion: string): Usage {
  const prompt_tokens = estimateTokens(prompt);
  const completion_tokens = estimateTokens(completion);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export function completionChunk(
  who: CompletionIdentity,
  delta: { role?: 'assistant'; content?: string },
  finishReason: string | null = null,
) {
  return {
    id: who.id,
    object: 'chat.completion.chunk',
    created: who.created,
    model: who.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

export function usageChunk(who: CompletionIdentity, usage: Usage) {
  return {
    id: who.id,
    object: 'chat.completion.chunk',
    created: who.created,
    model: who.model,
    system_fingerprint: null,
    choices: [],
    usage,
  };
}

export function completion(who: CompletionIdentity, content: string, finishReason: string, usage: Usage) {
  return {
    id: who.id,
    object: 'chat.completion',
    created: who.created,
    model: who.model,
    system_fingerprint: null,
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason },
    ],
    usage,
  };
}
