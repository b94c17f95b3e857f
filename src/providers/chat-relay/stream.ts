/** What a relay said, read from its SSE stream or its single JSON answer. */
export interface RelayAnswer {
  /** The assistant's text (`delta.content` joined, or `message.content`). */
  content: string;
  /** Text some relays stream as `reasoning_content` (progress often goes there). */
  reasoning: string;
  /** Any byte of the body arrived. */
  received: boolean;
  /** The answer ended properly: `[DONE]`, a `finish_reason`, or a whole JSON body. */
  complete: boolean;
  /** The body stopped before it was complete (reset, timeout, silence). */
  cut: boolean;
  /** An `{error:{…}}` payload in the stream or body. */
  error?: { message: string; code?: string };
}

export interface ReadHandlers {
  /** Each piece of text as it arrives, for progress. */
  onText(text: string): void;
  /** Each chunk of bytes, so a silence timer can be reset. */
  onBytes(): void;
}

// biome-ignore lint/suspicious/noExplicitAny: relays answer loosely shaped JSON; every field read is checked where it is used.
type Json = Record<string, any>;

const errorOf = (payload: Json): RelayAnswer['error'] => {
  const error = payload?.error;
  if (!error) return undefined;
  if (typeof error === 'string') return { message: error };
  const message =
    typeof error.message === 'string' && error.message ? error.message : JSON.stringify(error).slice(0, 200);
  return { message, ...(error.code !== undefined && error.code !== null && { code: String(error.code) }) };
};

/** Applies one parsed payload (a chunk, or a whole completion) to the answer. */
function apply(answer: RelayAnswer, payload: Json, handlers: ReadHandlers): void {
  const error = errorOf(payload);
  if (error) answer.error = error;
  const choice = Array.isArray(payload?.choices) ? payload.choices[0] : undefined;
  if (!choice) return;
  const part = choice.delta ?? choice.message ?? {};
  for (const field of ['reasoning_content', 'content'] as const) {
    const text = part[field];
    if (typeof text !== 'string' || !text) continue;
    if (field === 'content') answer.content += text;
    else answer.reasoning += text;
    handlers.onText(text);
  }
  if (choice.finish_reason) answer.complete = true;
}

/** One SSE line: `data: {…}`, `data: [DONE]`; comments, `event:` and `id:` lines carry nothing we need. */
function applyLine(answer: RelayAnswer, line: string, handlers: ReadHandlers): void {
  if (!line.startsWith('data:')) return;
  const data = line.slice(5).trim();
  if (!data) return;
  if (data === '[DONE]') {
    answer.complete = true;
    return;
  }
  try {
    apply(answer, JSON.parse(data) as Json, handlers);
  } catch {
    // A relay that streams plain text lines instead of JSON chunks: still its answer.
    answer.content += `${data}\n`;
    handlers.onText(`${data}\n`);
  }
}

/**
 * Reads a relay's answer as it arrives. Streams are parsed line by line (progress is reported as it
 * comes); a body that is not an event stream is read whole and parsed as one JSON completion, or as
 * SSE lines when it turns out to be one. A failed read marks the answer `cut` instead of throwing,
 * so the caller can tell "nothing received" from "stopped half-way".
 */
export async function readRelayAnswer(response: Response, handlers: ReadHandlers): Promise<RelayAnswer> {
  const answer: RelayAnswer = { content: '', reasoning: '', received: false, complete: false, cut: false };
  const streaming = /event-stream/i.test(response.headers.get('content-type') ?? '');
  const decoder = new TextDecoder();
  let buffer = '';
  let whole = '';
  if (!response.body) return answer;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.length === 0) continue;
      answer.received = true;
      handlers.onBytes();
      const text = decoder.decode(value, { stream: true });
      if (!streaming) {
        whole += text;
        continue;
      }
      buffer += text;
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        applyLine(answer, buffer.slice(0, newline).replace(/\r$/, ''), handlers);
        buffer = buffer.slice(newline + 1);
      }
    }
  } catch {
    answer.cut = true;
  }
  const rest = buffer + decoder.decode();
  if (streaming) {
    if (rest.trim()) applyLine(answer, rest.trim(), handlers);
    return answer;
  }
  whole += rest;
  if (answer.cut) return answer;
  try {
    apply(answer, JSON.parse(whole) as Json, handlers);
    answer.complete = true;
  } catch {
    for (const line of whole.split('\n')) applyLine(answer, line.replace(/\r$/, ''), handlers);
  }
  return answer;
}
