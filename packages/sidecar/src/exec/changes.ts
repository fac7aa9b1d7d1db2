import type { Logger } from "../log.js";
import type { Clock } from "../schedule/clock.js";

/** What a changed secret does to the child. */
export type OnChange = "restart" | "signal" | "none";

/**
 * Collects changes for `debounceMs` after the last one (a trailing debounce, as notify does), then
 * applies the strongest action asked for: restart beats signal, and a burst of changes restarts once.
 */
export class ChangeDebouncer {
  private timer: unknown;
  private readonly pending = new Map<string, OnChange>();
  private stopped = false;

  constructor(
    private readonly opts: {
      debounceMs: number;
      clock: Clock;
      log: Logger;
      apply: (action: "restart" | "signal", changed: string[]) => void;
    },
  ) {}

  /** `what` names the change for logs (an env var name or a file), never its value. */
  change(what: string, action: OnChange): void {
    if (this.stopped) return;
    if (action === "none") {
      this.opts.log.info({ changed: what }, "secret changed; onChange none: the child is left alone");
      return;
    }
    const prev = this.pending.get(what);
    this.pending.set(what, prev === "restart" ? prev : action);
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = this.opts.clock.setTimeout(() => this.fire(), this.opts.debounceMs);
  }

  private fire(): void {
    this.timer = undefined;
    const changed = [...this.pending.keys()];
    const action = [...this.pending.values()].includes("restart") ? "restart" : "signal";
    this.pending.clear();
    if (!this.stopped && changed.length > 0) this.opts.apply(action, changed);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
