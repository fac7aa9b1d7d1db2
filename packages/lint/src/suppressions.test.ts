import { describe, expect, it } from "vitest";
import { isSuppressed, parseSuppressions } from "./suppressions.js";

describe("parseSuppressions", () => {
  it("reads next-line directives with rules and a reason", () => {
    const [s] = parseSuppressions("FROM x\n# stowaway-disable-next-line dockerfile/a,dockerfile/b -- demo only\nENV A=b\n", false);
    expect(s).toMatchObject({ line: 2, target: 3, rules: ["dockerfile/a", "dockerfile/b"], reason: "demo only" });
  });

  it("skips blank lines and stacked comments to find the next line", () => {
    const sups = parseSuppressions("# stowaway-disable-next-line a\n# stowaway-disable-next-line b\n\nX=1\n", true);
    expect(sups.map((s) => s.target)).toEqual([4, 4]);
  });

  it("takes trailing directives only where trailing comments exist", () => {
    const src = "KEY: value  # stowaway-disable-line compose/x -- fixture\n";
    expect(parseSuppressions(src, true)).toMatchObject([{ target: 1, rules: ["compose/x"], reason: "fixture" }]);
    // In a Dockerfile, `#` after an instruction is an argument, not a comment: kept only to be reported.
    expect(parseSuppressions("ENV A=b # stowaway-disable-line\n", false)).toEqual([{ line: 1, column: 9, target: -1, rules: [], used: false, inert: true }]);
  });

  it("reads whole-file directives", () => {
    expect(parseSuppressions("# stowaway-disable env/secret\nA=1\n", true)).toMatchObject([{ target: 0, rules: ["env/secret"] }]);
    expect(parseSuppressions("# stowaway-disable\n", true)).toMatchObject([{ target: 0, rules: [] }]);
  });

  it("ignores look-alike words", () => {
    expect(parseSuppressions("# stowaway-disabled-next-line\n", true)).toEqual([]);
  });
});

describe("isSuppressed", () => {
  it("applies only to the named rules and the target line, and marks use", () => {
    const sups = parseSuppressions("# stowaway-disable-next-line r/a\nX\n", true);
    expect(isSuppressed(sups, "r/b", 2)).toBe(false);
    expect(isSuppressed(sups, "r/a", 3)).toBe(false);
    expect(sups[0].used).toBe(false);
    expect(isSuppressed(sups, "r/a", 2)).toBe(true);
    expect(sups[0].used).toBe(true);
  });

  it("matches a statement that starts on the target line", () => {
    const sups = parseSuppressions("# stowaway-disable-next-line\nRUN a \\\n  b\n", false);
    expect(isSuppressed(sups, "r/a", 3, 2)).toBe(true);
  });
});
