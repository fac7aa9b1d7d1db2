import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { lintThreads, WORKER_THRESHOLD } from "./parallel.js";

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
