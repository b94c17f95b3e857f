import type { ServerResponse } from 'node:http';

/**
 * One server-sent-events response. Writes are fire-and-forget: a slow client only grows its own
 * socket buffer, and a closed one is noticed through `closed`.
 */
export class SseStream {
  lastWriteAt = Date.now();
  closed = false;
  /**
   * What the route says when the gateway stops while this stream is open (a last delta naming the
   * job and how to follow it, then its terminator). Without one the stream is simply ended.
   */
  private shutdownHandler: (() => void) | undefined;

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

  /** A typed event (an `event:` line before the data), as the Responses API streams them. */
  sendEvent(event: string, payload: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
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

  /** Sets what `shutdown()` sends; the route knows its own wire format (chat chunks, Responses events). */
  onShutdown(handler: () => void): void {
    this.shutdownHandler = handler;
  }

  /** The gateway is stopping: say so on the stream (through the route's handler) and end it. */
  shutdown(): void {
    if (this.closed) return;
    this.shutdownHandler?.();
    this.end();
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
  private shuttingDown = false;

  constructor(private readonly idleMs: number) {
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.floor(idleMs / 3)));
    this.timer.unref();
  }

  track(stream: SseStream): () => void {
    // A stream opened by a request already past the door when the stop began: its route registers
    // its handler and writes its first lines in this tick, then the stream ends like the others.
    if (this.shuttingDown) queueMicrotask(() => stream.shutdown());
    this.streams.add(stream);
    return () => this.streams.delete(stream);
  }

  get size(): number {
    return this.streams.size;
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Ends every open stream, now and later, with its route's shutdown message (see `SseStream.onShutdown`); returns how many were open. */
  shutdownAll(): number {
    this.shuttingDown = true;
    const open = [...this.streams].filter((stream) => !stream.closed).length;
    for (const stream of this.streams) stream.shutdown();
    this.streams.clear();
    return open;
  }

  private tick(): void {
    const threshold = Date.now() - this.idleMs;
    for (const stream of this.streams) {
      if (stream.closed) this.streams.delete(stream);
      else if (stream.lastWriteAt <= threshold) stream.sendComment('keep-alive');
    }
  }
}
