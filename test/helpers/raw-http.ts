import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent, as text (several answers when requests were pipelined). */
  text: string;
  /** Milliseconds from the first byte sent until the first byte of the answer (undefined: none came). */
  firstByteMs?: number;
  /** Milliseconds from the first byte sent until the server closed the connection or the wait ended. */
  elapsedMs: number;
  closed: boolean;
}

/**
 * Sends bytes as they are over a plain TCP connection (what fetch would refuse to send) and reads
 * whatever comes back until the server closes the connection or `waitMs` passes.
 */
export function rawRequest(baseUrl: string, data: string | Buffer, waitMs = 5_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    let firstByteMs: number | undefined;
    const socket = connect(Number(port), hostname, () => socket.write(data));
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ ...parseAnswer(text), text, firstByteMs, elapsedMs: Date.now() - started, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk) => {
      firstByteMs ??= Date.now() - started;
      chunks.push(chunk);
    });
    socket.on('close', () => finish(true));
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
  });
}

function parseAnswer(text: string): Omit<RawAnswer, 'text' | 'firstByteMs' | 'elapsedMs' | 'closed'> {
  const split = text.indexOf('\r\n\r\n');
  if (split === -1) return { status: 0, headers: {}, body: text };
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) };
}
