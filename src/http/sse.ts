import type { ServerResponse } from 'node:http';

/**
 * One server-sent-events response. Writes are fire-and-forget: a slow client only grows its own
 * socket buffer, and a closed one is noticed through `closed`.
 */
export class SseStream {
  lastWriteAt = Date.now();
  closed = false;

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string>,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    res.flushHeaders();
    res.on('close', () => {
      this.closed = true;
    });
  }

  sendData(payload: unknown): void {
    this.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
  }

  sendComment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.res.end();
  }

  onClose(listener: () => void): void {
    this.res.on('close', listener);
  }

  private write(text: string): void {
    if (this.closed) return;
    this.lastWriteAt = Date.now();
    this.res.write(text);
  }
}

/** Sends a comment on every stream that has been silent for `idleMs`, from one shared timer. */
export class SseKeepAlive {
  private readonly streams = new Set<SseStream>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly idleMs: number) {
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.floor(idleMs / 3)));
    this.timer.unref();
  }

  track(stream: SseStream): () => void {
    this.streams.add(stream);
    return () => this.streams.delete(stream);
  }

  get size(): number {
    return this.streams.size;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const threshold = Date.now() - this.idleMs;
    for (const stream of this.streams) {
      if (stream.closed) this.streams.delete(stream);
      else if (stream.lastWriteAt <= threshold) stream.sendComment('keep-alive');
    }
  }
}
