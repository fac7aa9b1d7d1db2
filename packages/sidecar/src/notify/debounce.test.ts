import { describe, expect, it, vi } from "vitest";
import { pino } from "pino";
import type { NotifyConfig } from "../config/schema.js";
import { SidecarMetrics } from "../server/metrics.js";
import { FakeClock } from "../../test/fake-clock.js";
import { Notifier } from "./index.js";

// The trailing debounce on a fake clock: one firing per burst, exactly `debounce` after the last change.
describe("Notifier debounce (fake clock)", () => {
  it("fires once, exactly debounce ms after the last trigger of a burst, with every file of the burst", async () => {
    const clock = new FakeClock();
    const n = new Notifier({ debounce: 1000, commandTimeout: 5000 } as NotifyConfig, { clock, log: pino({ level: "silent" }), metrics: new SidecarMetrics() });
    const fired: Array<{ at: number; files: string[] }> = [];
    const t0 = clock.now();
    vi.spyOn(n, "fire").mockImplementation(async (e) => void fired.push({ at: clock.now() - t0, files: [...e.files].sort() }));
    n.trigger("a");
    await clock.advance(600);
    n.trigger("b");
    await clock.advance(999);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual([{ at: 1600, files: ["a", "b"] }]);
    // A later change is a new burst.
    await clock.advance(5000);
    n.trigger("a");
    await clock.advance(1000);
    expect(fired).toEqual([
      { at: 1600, files: ["a", "b"] },
      { at: 7600, files: ["a"] },
    ]);
    n.stop();
  });
});
