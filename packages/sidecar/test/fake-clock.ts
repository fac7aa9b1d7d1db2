import type { Clock } from "../src/schedule/clock.js";

interface Pending {
  id: number;
  at: number;
  delay: number;
  fn: () => void;
}

/**
 * A manual clock for unit tests: time moves only in `advance`, timers fire in time order, and
 * `random` is fixed (0.5 makes ±jitter exactly zero), so a schedule can be asserted to the ms.
 * Lives outside src/ so it is never compiled into dist.
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Pending[] = [];
  /** Every delay ever passed to setTimeout, in call order. */
  readonly delays: number[] = [];
  /** Whether each setTimeout asked for an unref'd timer, in call order. */
  readonly unrefs: boolean[] = [];
  random: () => number = () => 0.5;

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now = (): number => this.t;

  setTimeout = (fn: () => void, ms: number, opts?: { unref?: boolean }): unknown => {
    this.unrefs.push(opts?.unref === true);
    const delay = Math.max(0, ms);
    const id = ++this.seq;
    this.timers.push({ id, at: this.t + delay, delay, fn });
    this.delays.push(delay);
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((p) => p.id !== handle);
  };

  /** Timers waiting now, soonest first: `in` is ms from now, `delay` what was asked for. */
  pending(): Array<{ in: number; delay: number }> {
    return [...this.timers].sort((a, b) => a.at - b.at || a.id - b.id).map((p) => ({ in: p.at - this.t, delay: p.delay }));
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const next = [...this.timers].sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next || next.at > end) break;
      this.timers = this.timers.filter((p) => p !== next);
      this.t = next.at;
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }

  /** Advances to the next timer and fires it (and any due at the same time). Returns the ms advanced. */
  async next(): Promise<number> {
    await settle();
    const p = this.pending()[0];
    if (!p) throw new Error("no timer pending");
    await this.advance(p.in);
    return p.in;
  }
}

/** Lets pending promise chains (fake Vault calls, awaits) run to completion. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
