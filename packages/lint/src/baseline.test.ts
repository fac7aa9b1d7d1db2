import { describe, expect, it } from "vitest";
import { applyBaseline, createBaseline, parseBaseline, BaselineError } from "./baseline.js";
import { buildReport, fingerprint } from "./engine.js";
import type { Finding } from "./types.js";

const f = (value: string, line: number): Finding => ({
  file: "Dockerfile",
  line,
  column: 1,
  endLine: line,
  endColumn: 2,
  ruleId: "dockerfile/secret-in-env",
  severity: "error",
  message: "m",
  secret: "x…",
  fingerprint: fingerprint("dockerfile/secret-in-env", "Dockerfile", value),
});

describe("baseline", () => {
  it("stores fingerprints, never values or lines, and survives moved lines", () => {
    const before = buildReport([{ file: "Dockerfile", kind: "dockerfile", findings: [f("old-secret-value-1", 3)], errors: [] }]);
    const baseline = createBaseline(before);
    const text = JSON.stringify(baseline);
    expect(text).not.toContain("old-secret-value-1");
    expect(text).not.toMatch(/"line"/);
    const after = buildReport([{ file: "Dockerfile", kind: "dockerfile", findings: [f("old-secret-value-1", 10), f("new-secret-value-2", 11)], errors: [] }]);
    const left = applyBaseline(after, parseBaseline(text, "b.json"));
    expect(left.findings.map((x) => x.line)).toEqual([11]);
    expect(left.summary.errors).toBe(1);
  });

  it("rejects a file that is not a baseline", () => {
    expect(() => parseBaseline("{}", "b.json")).toThrow(BaselineError);
    expect(() => parseBaseline("nope", "b.json")).toThrow(/not valid JSON/);
  });
});
