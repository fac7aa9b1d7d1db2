import { describe, expect, it } from "vitest";
import { lintTargets } from "../../engine.js";
import type { FileKind, Severity } from "../../types.js";

const lint = (kind: FileKind, source: string, rules: Record<string, Severity | "off"> = {}) =>
  lintTargets([{ file: kind === "dockerfile" ? "Dockerfile" : ".env", absPath: "/virtual/x", kind, source }], { rules });

describe("stowaway/parse-warning", () => {
  it("reports an unterminated heredoc at its line, as info, with a message and no preview", async () => {
    const { findings } = await lint("dockerfile", "FROM alpine\nRUN <<EOF\necho hi\n");
    const w = findings.filter((f) => f.ruleId === "stowaway/parse-warning");
    expect(w).toMatchObject([{ line: 2, severity: "info", secret: "" }]);
    expect(w[0].message).toMatch(/heredoc/i);
  });

  it("is silent on a file that parsed cleanly", async () => {
    expect((await lint("dockerfile", "FROM alpine\nRUN <<EOF\necho hi\nEOF\n")).findings).toEqual([]);
  });

  it("takes its configured severity, or none when off", async () => {
    const src = "FROM alpine\nRUN <<EOF\necho hi\n";
    expect((await lint("dockerfile", src, { "stowaway/parse-warning": "warning" })).findings.map((f) => f.severity)).toEqual(["warning"]);
    expect((await lint("dockerfile", src, { "stowaway/parse-warning": "off" })).findings).toEqual([]);
  });
});
