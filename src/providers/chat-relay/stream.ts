import { z } from 'zod';
import { lenient } from '../upstream-answer.js';

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

const textField = lenient(z.string());
const partSchema = z.object({ content: textField, reasoning_content: textField });

/**
 * A chunk of a stream, or a whole completion. Relays answer loosely shaped JSON, so each field is read
 * leniently: one odd field must not lose an answer the relay may have billed.
 */
export const relayPayloadSchema = z.object({
  error: z.unknown().optional(),
  choices: lenient(
    z.array(
      z
        .object({ delta: lenient(partSchema), message: lenient(partSchema), finish_reason: z.unknown().optional() })
        .catch({}),
    ),
  ),
});

const relayErrorSchema = z.object({
  message: lenient(z.string()),
  code: lenient(z.union([z.string(), z.number()])),
});

/** `{error: "…"}` or `{error: {message, code}}`; any other error value is quoted as JSON. */
const errorOf = (error: unknown): RelayAnswer['error'] => {
  if (!error) return undefined;
  if (typeof error === 'string') return { message: error };
  const fields = relayErrorSchema.safeParse(error).data;
  const message = fields?.message || JSON.stringify(error).slice(0, 200);
  return { message, ...(fields?.code !== undefined && { code: String(fields.code) }) };
};

/** Applies one parsed payload (a chunk, or a whole completion) to the answer; one that is not an object says nothing. */
function apply(answer: RelayAnswer, json: unknown, handlers: ReadHandlers): void {
  const payload = relayPayloadSchema.safeParse(json).data;
  if (!payload) return;
  const error = errorOf(payload.error);
  if (error) answer.error = error;
  const choice = payload.choices?.[0];
  if (!choice) return;
  const part = choice.delta ?? choice.message ?? {};
  for (const field of ['reasoning_content', 'content'] as const) {
    const text = part[field];
    if (!text) continue;
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
    apply(answer, JSON.parse(data), handlers);
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
    apply(answer, JSON.parse(whole), handlers);
    answer.complete = true;
  } catch {
    for (const line of whole.split('\n')) applyLine(answer, line.replace(/\r$/, ''), handlers);
  }
  return answer;
}
