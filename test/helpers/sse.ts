/** Splits a `text/event-stream` body into its `data:` payloads; also returns the comment lines. */
export function parseSse(body: string): { data: string[]; comments: string[] } {
  const data: string[] = [];
  const comments: string[] = [];
  for (const event of body.split('\n\n')) {
    for (const line of event.split('\n')) {
      if (line.startsWith('data: ')) data.push(line.slice(6));
      else if (line.startsWith(':')) comments.push(line);
    }
  }
  return { data, comments };
}
