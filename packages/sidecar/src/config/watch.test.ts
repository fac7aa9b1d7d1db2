import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../test/fake-clock.js";
import { watchConfig } from "./watch.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "stowaway-watch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("watchConfig on the injected clock", () => {
  it("re-reads every pollMs of clock time with unref'd timers, and stops when closed", async () => {
    const file = path.join(dir, "sidecar.yaml");
    writeFileSync(file, "a: 1\n");
    const clock = new FakeClock();
    const reasons: string[] = [];
    const w = watchConfig(file, (r) => reasons.push(r), { pollMs: 5000, clock });
    try {
      expect(clock.pending()).toEqual([{ in: 5000, delay: 5000 }]);
      await clock.advance(4999);
      expect(reasons).toEqual([]);
      await clock.advance(1);
      expect(reasons).toEqual(["periodic re-read"]);
      await clock.advance(10_000);
      expect(reasons).toEqual(["periodic re-read", "periodic re-read", "periodic re-read"]);
      expect(clock.unrefs.every(Boolean)).toBe(true);
    } finally {
      await w.close();
    }
    expect(clock.pending()).toEqual([]);
    await clock.advance(20_000);
    expect(reasons).toHaveLength(3);
  });
});
