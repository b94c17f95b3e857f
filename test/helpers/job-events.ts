import { TEST_API_KEY, type RunningGateway } from './gateway.js';

/**
 * One server-sent event as it arrived: its `event:` name (`message` when it has none, as chat chunks),
 * its data (parsed when it is JSON, else the text, as `[DONE]`) and when it was read (ms).
 */
export interface ReceivedEvent {
  event: string;
  /** Tests read the fields of whichever event they expect. */
  data: any;
  at: number;
}

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** Opens `GET /v1/jobs/{id}/events` on `gw`. */
export const openJobEvents = (gw: Pick<RunningGateway, 'baseUrl'>, jobId: string, key = TEST_API_KEY) =>
  fetch(`${gw.baseUrl}/v1/jobs/${jobId}/events`, { headers: { authorization: `Bearer ${key}` } });

/** Reads an event stream to its end, stamping each event with the time it was read (for delays). */
export async function readEvents(response: Response): Promise<ReceivedEvent[]> {
  const events: ReceivedEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const name = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data !== undefined) events.push({ event: name, data: parsed(data), at: Date.now() });
    }
  }
  return events;
}
