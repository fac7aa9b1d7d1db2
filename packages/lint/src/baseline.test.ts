import { describe, expect, it } from "vitest";
import { applyBaseline, createBaseline, parseBaseline, BaselineError } from "./baseline.js";
import { lintTargets } from "./engine.js";

const lint = (source: string) => lintTargets([{ file: "Dockerfile", absPath: "/nonexistent/Dockerfile", kind: "dockerfile", source }]);

describe("baseline", () => {
  it("stores the engine's fingerprints, never values or lines, and survives moved lines", async () => {
    // Fingerprints come from the engine, so a change to what it hashes (adding the line, say) shows here.
    const before = await lint("FROM alpine\nENV DB_PASSWORD=BaselineOldSecret1\n");
    expect(before.findings.map((f) => f.line)).toEqual([2]);
    const text = JSON.stringify(createBaseline(before));
    expect(text).not.toContain("BaselineOldSecret1");
    expect(text).not.toMatch(/"line"/);
    const after = await lint("FROM alpine\nRUN apk add curl\nRUN true\nENV DB_PASSWORD=BaselineOldSecret1\nENV API_TOKEN=BaselineNewSecret2\n");
    expect(after.findings.map((f) => f.line)).toEqual([4, 5]);
    const left = applyBaseline(after, parseBaseline(text, "b.json"));
    expect(left.findings.map((x) => x.line)).toEqual([5]);
    expect(left.summary.errors).toBe(1);
  });

  it("does not excuse a changed value at the same place", async () => {
    const baseline = parseBaseline(JSON.stringify(createBaseline(await lint("FROM alpine\nENV DB_PASSWORD=BaselineOldSecret1\n"))), "b.json");
    const rotated = await lint("FROM alpine\nENV DB_PASSWORD=BaselineRotated3x\n");
    expect(applyBaseline(rotated, baseline).findings.map((f) => f.line)).toEqual([2]);
  });

  it("rejects a file that is not a baseline", () => {
    expect(() => parseBaseline("{}", "b.json")).toThrow(BaselineError);
    expect(() => parseBaseline("nope", "b.json")).toThrow(/not valid JSON/);
  });
});
