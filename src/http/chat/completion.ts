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
  const cjk = cjkCount(text);
  return tokensOf(cjk, text.length);
}

const cjkCount = (text: string) => text.match(/[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff]/g)?.length ?? 0;
const tokensOf = (cjk: number, length: number) => cjk + Math.ceil((length - cjk) / 4);

export function usageFor(prompt: string, completion: string): Usage {
  return usageOf(estimateTokens(prompt), estimateTokens(completion));
}

const usageOf = (prompt_tokens: number, completion_tokens: number): Usage => ({
  prompt_tokens,
  completion_tokens,
  total_tokens: prompt_tokens + completion_tokens,
});

/**
 * A stream's text counted for its usage chunk as it goes out, without keeping it: a minute-long
 * video job sends some sixty progress lines, and 10,000 open streams held 50 MB of them.
 * `usage(prompt)` equals `usageFor(prompt, everything added)`.
 */
export class SentText {
  private cjk = 0;
  private length = 0;

  add(text: string): void {
    this.cjk += cjkCount(text);
    this.length += text.length;
  }

  usage(prompt: string): Usage {
    return usageOf(estimateTokens(prompt), tokensOf(this.cjk, this.length));
  }
}

/**
 * One generated image where chat apps look for it (`message.images[]`, `delta.images[]`: the shape
 * OpenRouter introduced, read by Open WebUI, LobeChat, Cherry Studio and LiteLLM). Always a link to
 * our stored file, never base64: Open WebUI drops a streamed line over 128 KiB.
 */
export interface ImagePart {
  type: 'image_url';
  image_url: { url: string };
  index: number;
}

/** What a streamed chunk's `delta` may carry. */
export interface CompletionDelta {
  role?: 'assistant';
  content?: string;
  images?: ImagePart[];
}

export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export function completionChunk(who: CompletionIdentity, delta: CompletionDelta, finishReason: string | null = null) {
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

/** `images` is left out entirely when undefined, so a plain answer has exactly the seed documents' shape. */
export function completion(
  who: CompletionIdentity,
  content: string,
  finishReason: string,
  usage: Usage,
  images?: ImagePart[],
) {
  const message = { role: 'assistant' as const, content, refusal: null, ...(images ? { images } : {}) };
  return {
    id: who.id,
    object: 'chat.completion',
    created: who.created,
    model: who.model,
    system_fingerprint: null,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    usage,
  };
}
