import { describe, expect, it } from "vitest";
import { ruleCatalog } from "./index.js";
import { RULE_IDS, suggestRuleId } from "./rule-ids.js";

describe("RULE_IDS", () => {
  it("is exactly the rule catalog (add a new rule's id here)", async () => {
    expect([...RULE_IDS].sort()).toEqual((await ruleCatalog()).map((r) => r.id).sort());
  });

  it.each([
    ["dockerfile/secret-in-envs", "dockerfile/secret-in-env"],
    ["compose/secret-in-enviroment", "compose/secret-in-environment"],
    ["secret-build-arg", "dockerfile/secret-build-arg"],
    ["Dockerfile/Known-Token", "dockerfile/known-token"],
    ["stowaway/unused-suppresion", "stowaway/unused-suppression"],
  ])("suggests %s → %s", (typo, id) => {
    expect(suggestRuleId(typo)).toBe(id);
  });

  it("suggests nothing for an id that is nowhere close", () => {
    expect(suggestRuleId("no-eval")).toBeUndefined();
    expect(suggestRuleId("x".repeat(500))).toBeUndefined();
  });
});
