// The per-run scratch directory: two runs get two directories, and a run's is gone when it ends.
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import setup from "./run-dir.js";

describe("test run directory", () => {
  const saved = process.env.STOWAWAY_TEST_RUN_DIR;
  const savedTmp = process.env.TMPDIR;
  afterEach(() => {
    process.env.STOWAWAY_TEST_RUN_DIR = saved;
    process.env.TMPDIR = savedTmp;
  });

  it("is unique per run and removed at its end", () => {
    delete process.env.STOWAWAY_TEST_RUN_DIR;
    const endFirst = setup();
    const first = process.env.STOWAWAY_TEST_RUN_DIR!;
    delete process.env.STOWAWAY_TEST_RUN_DIR;
    const endSecond = setup();
    const second = process.env.STOWAWAY_TEST_RUN_DIR!;
    expect(first).not.toBe(second);
    expect(existsSync(first) && existsSync(second)).toBe(true);
    expect(process.env.TMPDIR?.startsWith(second)).toBe(true);
    endSecond?.();
    endFirst?.();
    expect(existsSync(first) || existsSync(second)).toBe(false);
  });

  it("is shared by this run's workers, holds the sidecar leak records, and is their TMPDIR", async () => {
    expect(saved).toBeTruthy();
    const { tmpdir } = await import("node:os");
    expect(tmpdir().startsWith(`${saved}/`)).toBe(true);
    const { leaks } = await import("../sidecar/helpers.js");
    leaks.secret("run-dir-probe");
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(`${saved}/sidecar-leaks`).some((f) => f.endsWith(".secrets"))).toBe(true);
  });
});
