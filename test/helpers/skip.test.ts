import { afterEach, describe, expect, it, vi } from "vitest";
import { skipBecause } from "./skip.js";

describe("skipBecause", () => {
  const saved = process.env.STOWAWAY_CI_NO_SKIP;
  afterEach(() => {
    if (saved === undefined) delete process.env.STOWAWAY_CI_NO_SKIP;
    else process.env.STOWAWAY_CI_NO_SKIP = saved;
    vi.restoreAllMocks();
  });

  it("runs the test when nothing is missing", () => {
    process.env.STOWAWAY_CI_NO_SKIP = "1";
    expect(skipBecause(false, "n/a")).toBe(false);
  });

  it("prints why it skips", () => {
    delete process.env.STOWAWAY_CI_NO_SKIP;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(skipBecause(true, "the CLI is not built")).toBe(true);
    expect(warn).toHaveBeenCalledWith("skipped: the CLI is not built");
  });

  it("fails instead where every test must run", () => {
    process.env.STOWAWAY_CI_NO_SKIP = "1";
    expect(() => skipBecause(true, "the CLI is not built")).toThrow(/must run here.*the CLI is not built/);
  });
});
