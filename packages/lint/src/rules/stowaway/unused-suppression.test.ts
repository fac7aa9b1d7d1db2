import { describe, expect, it } from "vitest";
import { lintTargets } from "../../engine.js";
import type { FileKind, Severity } from "../../types.js";

const lint = (kind: FileKind, source: string, options: { rules?: Record<string, Severity | "off">; reportUnusedSuppressions?: boolean } = {}) =>
  lintTargets([{ file: kind === "dockerfile" ? "Dockerfile" : ".env", absPath: "/virtual/x", kind, source }], options);

describe("stowaway/unused-suppression", () => {
  it("reports a comment that silenced nothing, as info, naming its rules", async () => {
    const { findings } = await lint("env", "# stowaway-disable-next-line env/secret-value\nAPP_MODE=dev\n");
    expect(findings).toMatchObject([{ line: 1, column: 1, ruleId: "stowaway/unused-suppression", severity: "info", secret: "" }]);
    expect(findings[0].message).toBe("suppression for env/secret-value silences nothing; remove it");
  });

  it("is silent when the comment silenced a finding", async () => {
    expect((await lint("env", "# stowaway-disable-next-line env/secret-value -- fixture\nDB_PASSWORD=UnusedSupTestPw42\n")).findings).toEqual([]);
  });

  it("reports a trailing disable-line in a Dockerfile as a warning with a fix, even when the line has a finding", async () => {
    const { findings } = await lint("dockerfile", "FROM alpine\nENV APP_MODE=dev # stowaway-disable-line\n");
    expect(findings).toMatchObject([{ line: 2, column: 18, ruleId: "stowaway/unused-suppression", severity: "warning" }]);
    expect(findings[0].message).toMatch(/part of the instruction's arguments/);
    expect(findings[0].fix).toMatch(/disable-next-line/);
  });

  it("a configured level is a ceiling for the trailing form; off and reportUnusedSuppressions: false drop it", async () => {
    const src = "FROM alpine\nENV APP_MODE=dev # stowaway-disable-line\n";
    expect((await lint("dockerfile", src, { rules: { "stowaway/unused-suppression": "info" } })).findings.map((f) => f.severity)).toEqual(["info"]);
    expect((await lint("dockerfile", src, { rules: { "stowaway/unused-suppression": "off" } })).findings).toEqual([]);
    expect((await lint("dockerfile", src, { reportUnusedSuppressions: false })).findings).toEqual([]);
  });
});
