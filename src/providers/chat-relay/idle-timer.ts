/** Aborts its signal after `ms` without a `reset()`: a relay that went silent. */
export class IdleTimer {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  fired = false;

  constructor(private readonly ms: number) {
    this.reset();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  reset(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new Error('relay went silent'));
    }, this.ms);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
