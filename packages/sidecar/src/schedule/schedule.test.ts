import { describe, expect, it, vi } from "vitest";
import { backoffDelay, jitter, type Clock } from "./clock.js";
import { Timers } from "./timers.js";
import { Limiter } from "../vault/limiter.js";

function fakeClock(): Clock {
  return { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout), random: () => 0.5 };
}

describe("backoff and jitter", () => {
  it("doubles from initial up to max, jittered within [base/2, base]", () => {
    const opts = { initialMs: 1000, maxMs: 300_000 };
    expect(backoffDelay(0, opts, () => 1)).toBe(1000);
    expect(backoffDelay(0, opts, () => 0)).toBe(500);
    expect(backoffDelay(3, opts, () => 1)).toBe(8000);
    expect(backoffDelay(50, opts, () => 1)).toBe(300_000);
  });
  it("jitters ±fraction", () => {
    expect(jitter(1000, 0.1, () => 0)).toBe(900);
    expect(jitter(1000, 0.1, () => 1)).toBe(1100);
    expect(jitter(1000, 0.1, () => 0.5)).toBe(1000);
  });
});

describe("Timers with fake time", () => {
  it("runs, replaces and stops", async () => {
    vi.useFakeTimers();
    try {
      const t = new Timers(fakeClock(), () => {});
      const ran: string[] = [];
      t.schedule("a", 1000, () => void ran.push("a1"));
      t.schedule("a", 2000, () => void ran.push("a2"));
      t.schedule("b", 500, () => void ran.push("b"));
      await vi.advanceTimersByTimeAsync(1500);
      expect(ran).toEqual(["b"]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(ran).toEqual(["b", "a2"]);
      t.schedule("c", 100, () => void ran.push("c"));
      t.stop();
      t.schedule("d", 100, () => void ran.push("d"));
      await vi.advanceTimersByTimeAsync(1000);
      expect(ran).toEqual(["b", "a2"]);
    } finally {
      vi.useRealTimers();
    }
  });
  it("reports async failures", async () => {
    vi.useFakeTimers();
    try {
      const errors: string[] = [];
      const t = new Timers(fakeClock(), (key) => errors.push(key));
      t.schedule("x", 10, async () => {
        throw new Error("boom");
      });
      await vi.advanceTimersByTimeAsync(20);
      expect(errors).toEqual(["x"]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("Limiter", () => {
  it("never exceeds max in flight", async () => {
    const l = new Limiter(3);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        l.run(async () => {
          peak = Math.max(peak, ++active);
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          active--;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(l.inFlight).toBe(0);
  });
});

describe("floorDelay", () => {
  it("keeps delays of a second or more, lifts shorter ones to 1–1.25 s with jitter", async () => {
    const { floorDelay } = await import("./floor.js");
    expect(floorDelay(5000, () => 0.5)).toBe(5000);
    expect(floorDelay(1000, () => 0.5)).toBe(1000);
    for (const ms of [0, 0.001, 1, 999, -5, Number.NaN]) {
      expect(floorDelay(ms, () => 0)).toBe(1000);
      expect(floorDelay(ms, () => 0.999)).toBeLessThanOrEqual(1250);
    }
    expect(new Set([0.1, 0.5, 0.9].map((r) => floorDelay(1, () => r))).size).toBe(3);
  });
});
