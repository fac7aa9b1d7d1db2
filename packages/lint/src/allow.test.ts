import { describe, expect, it } from "vitest";
import { compileAllowList, compileNameGlob } from "./allow.js";
import { lintTargets } from "./engine.js";
import type { LintTarget } from "./types.js";

const dockerfile = (source: string): LintTarget => ({ file: "Dockerfile", absPath: "/nonexistent/Dockerfile", kind: "dockerfile", source });

describe("lint.allow name globs", () => {
  it.each([
    ["DEMO_*", "DEMO_PASSWORD"],
    ["demo_*", "DEMO_PASSWORD"],
    ["DEMO_*", "DEMO_"],
    ["*_TEST", "API_TOKEN_TEST"],
    ["*", "ANY_NAME"],
    ["DB_?ASSWORD", "DB_PASSWORD"],
    ["A*B*C", "AxxBxxC"],
    ["*_*_*_*_*_*_TEST", "A_B_C_D_E_F_TEST"],
  ])("%s allows %s", (glob, name) => {
    expect(compileNameGlob(glob)(name)).toBe(true);
  });

  it.each([
    // Anchored at both ends: a glob names whole variables, never a part of one.
    ["DEMO_*", "X_DEMO_PASSWORD"],
    ["*_TEST", "API_TEST_TOKEN"],
    ["DEMO", "DEMO_PASSWORD"],
    ["DEMO", "MY_DEMO"],
    ["DB_?ASSWORD", "DB_PASSWORD_X"],
    ["DB_?ASSWORD", "DB_ASSWORD"],
    // Regex metacharacters in a glob are literal.
    ["DEMO.*", "DEMOX_PASSWORD"],
    ["A+", "AA"],
  ])("%s does not allow %s", (glob, name) => {
    expect(compileNameGlob(glob)(name)).toBe(false);
  });

  it("matches a pathological glob against a long name without backtracking", () => {
    // As a regex (`^.*_.*_.*_.*_.*_.*_TEST$`) this never finishes on 400 underscores.
    const match = compileNameGlob("*_*_*_*_*_*_TEST");
    expect(match("_".repeat(400))).toBe(false);
    expect(match("_".repeat(400) + "TEST")).toBe(true);
    expect(compileNameGlob("*a*a*a*a*a*a*a*a*b")("a".repeat(100_000))).toBe(false);
  });
});

describe("lint.allow values", () => {
  const allow = compileAllowList([{ value: "changeme-demo", reason: "demo stack" }]);

  it("allows exactly the listed value", () => {
    expect(allow({ value: "changeme-demo" })).toBe(true);
  });

  it.each(["changeme-demo-Xy9Qk2Lw", "prod-changeme-demo", "changeme-dem", "CHANGEME-DEMO"])("does not allow %s", (value) => {
    expect(allow({ value })).toBe(false);
  });
});

describe("lint.allow through the engine", () => {
  const src = [
    "FROM alpine",
    "ENV DEMO_PASSWORD=AllowFixtureDemo1",
    "ENV X_DEMO_PASSWORD=AllowFixtureReal2",
    "ENV DB_PASSWORD=AllowFixtureValue3",
    "ENV API_TOKEN=AllowFixtureValue3-Xy9Qk2Lw",
    "",
  ].join("\n");
  const allow = [
    { name: "DEMO_*", reason: "demo stack" },
    { value: "AllowFixtureValue3", reason: "documented example password" },
  ];

  it("silences what each entry names, and nothing else", async () => {
    const base = await lintTargets([dockerfile(src)]);
    expect(base.findings.map((f) => f.line)).toEqual([2, 3, 4, 5]);
    const report = await lintTargets([dockerfile(src)], { allow });
    expect(report.findings.map((f) => f.line)).toEqual([3, 5]);
  });
});
