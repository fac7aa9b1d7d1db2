import { describe, expect, it } from "vitest";
import { lintTargets } from "../../engine.js";
import type { Severity } from "../../types.js";

const lint = (source: string, rules: Record<string, Severity | "off"> = {}) =>
  lintTargets([{ file: ".env", absPath: "/virtual/.env", kind: "env", source }], { rules });

describe("stowaway/unknown-rule", () => {
  it("reports each unknown id of a comment with a suggestion, and not again as unused", async () => {
    const { findings } = await lint("# stowaway-disable-next-line env/secret-valu, nothing/close-at-all\nAPP_MODE=dev\n");
    expect(findings.map((f) => [f.line, f.ruleId, f.severity])).toEqual([
      [1, "stowaway/unknown-rule", "warning"],
      [1, "stowaway/unknown-rule", "warning"],
    ]);
    expect(findings[0].message).toContain("did you mean `env/secret-value`?");
    expect(findings[1].message).not.toContain("did you mean");
    expect(findings[0].fix).toBeTruthy();
  });

  it("is silent when every id is known", async () => {
    const { findings } = await lint("# stowaway-disable-next-line env/secret-value -- fixture\nDB_PASSWORD=Unkn0wnRuleTestPw\n");
    expect(findings).toEqual([]);
  });

  it("when off, leaves the comment to stowaway/unused-suppression", async () => {
    const { findings } = await lint("# stowaway-disable-next-line env/secret-valu\nAPP_MODE=dev\n", { "stowaway/unknown-rule": "off" });
    expect(findings.map((f) => f.ruleId)).toEqual(["stowaway/unused-suppression"]);
  });
});
