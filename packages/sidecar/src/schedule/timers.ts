import type { Clock } from "./clock.js";

/** Named one-shot timers; re-scheduling a key replaces its timer. `stop()` cancels all for good. */
export class Timers {
  private readonly handles = new Map<string, unknown>();
  private stopped = false;
  constructor(
    private readonly clock: Clock,
    private readonly onError: (key: string, err: unknown) => void,
  ) {}

  schedule(key: string, delayMs: number, fn: () => Promise<void> | void): void {
    if (this.stopped) return;
    this.cancel(key);
    const handle = this.clock.setTimeout(() => {
      this.handles.delete(key);
      if (this.stopped) return;
      try {
        Promise.resolve(fn()).catch((err) => this.onError(key, err));
      } catch (err) {
        this.onError(key, err);
      }
    }, delayMs);
    this.handles.set(key, handle);
  }

  has(key: string): boolean {
    return this.handles.has(key);
  }

  cancel(key: string): void {
    const h = this.handles.get(key);
    if (h !== undefined) {
      this.clock.clearTimeout(h);
      this.handles.delete(key);
    }
  }

  cancelPrefix(prefix: string): void {
    for (const key of [...this.handles.keys()]) if (key.startsWith(prefix)) this.cancel(key);
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.handles.keys()]) this.cancel(key);
  }
}
