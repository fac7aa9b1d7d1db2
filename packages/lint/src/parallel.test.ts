import { availableParallelism } from "node:os";
import { describe, expect, it, vi } from "vitest";
import { lintTarget } from "./engine.js";
import { LintPool, lintThreads, WORKER_THRESHOLD } from "./parallel.js";
import type { LintTarget } from "./types.js";

// Counts the main thread's own lints; workers run the built lint-worker.js, which this does not touch.
vi.mock("./engine.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("./engine.js")>();
  return { ...real, lintTarget: vi.fn(real.lintTarget) };
});

describe("lintThreads", () => {
  it("keeps runs under the threshold on the main thread", () => {
    for (const files of [0, 1, 5, WORKER_THRESHOLD - 1]) expect(lintThreads(files, {})).toBe(1);
  });

  it("uses up to the machine's cores (at most 4, at least 100 files each) from the threshold on", () => {
    const cores = availableParallelism();
    expect(lintThreads(WORKER_THRESHOLD, {})).toBe(Math.min(cores, 2));
    expect(lintThreads(10_000, {})).toBe(Math.min(cores, 4));
  });

  it("obeys STOWAWAY_LINT_WORKERS whatever the count, and ignores a value that is not a count", () => {
    expect(lintThreads(1, { STOWAWAY_LINT_WORKERS: "3" })).toBe(3);
    expect(lintThreads(10_000, { STOWAWAY_LINT_WORKERS: "1" })).toBe(1);
    expect(lintThreads(10_000, { STOWAWAY_LINT_WORKERS: "0" })).toBe(1);
    expect(lintThreads(1, { STOWAWAY_LINT_WORKERS: "many" })).toBe(1);
    expect(lintThreads(1, { STOWAWAY_LINT_WORKERS: "" })).toBe(1);
  });
});

describe("LintPool", () => {
  // Issue 16: the main thread's young generation cannot be bounded once node runs, so with workers
  // it only hands out files; linting there too cost 15-25 MB of peak RSS on the bench corpus.
  it("lints every file on its workers and none on the main thread", async () => {
    const targets: LintTarget[] = Array.from({ length: 40 }, (_, i) => ({
      file: `d${i}/.env`,
      absPath: `/nonexistent/d${i}/.env`,
      kind: "env",
      source: `API_TOKEN=Zq${i}x8Lm4Vr7Tt2Kp9Wd\n`,
    }));
    const pool = new LintPool(2);
    try {
      expect(pool.workers).toBe(2);
      const outcomes = await pool.run(targets, {});
      expect(outcomes).toHaveLength(40);
      expect(outcomes.every((o) => o !== undefined)).toBe(true);
      expect(vi.mocked(lintTarget)).not.toHaveBeenCalled();
      // The same outcomes as the main thread's own, in the input's order.
      const alone = await Promise.all(targets.map((t) => lintTarget(t, {})));
      expect(JSON.stringify(outcomes)).toBe(JSON.stringify(alone));
    } finally {
      await pool.close();
    }
  });
});
