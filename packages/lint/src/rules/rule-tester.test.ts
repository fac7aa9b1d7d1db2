import { describe, expect, it } from "vitest";
import { parseDotenv } from "../parse/dotenv.js";
import type { Report } from "../rule.js";
import rule from "./env/url-credentials.js";
import { observed, ruleTester, runRule } from "./rule-tester.js";

const config = { kind: "env" as const, parse: parseDotenv };
const code = "DATABASE_URL=postgres://app:Tester-Msg-883@db:5432/app\n";

// The tester's own cases: a message given as a string or a RegExp is asserted.
ruleTester(rule, config, {
  valid: ["REDIS_URL=redis://cache:6379\n"],
  invalid: [{ name: "message as a RegExp", code, errors: [{ ruleId: rule.id, line: 1, column: 29, message: /password/i }] }],
});

describe("ruleTester message assertions", () => {
  const reports: Report[] = runRule(rule, config, code);

  it("an exact message compares equal only when it is the message", () => {
    const exact = reports[0].message;
    expect(observed(rule, reports, [{ ruleId: rule.id, line: 1, column: 29, message: exact }])).toEqual([
      { ruleId: rule.id, line: 1, column: 29, message: exact },
    ]);
    expect(observed(rule, reports, [{ ruleId: rule.id, line: 1, column: 29, message: "something else" }])).not.toEqual([
      { ruleId: rule.id, line: 1, column: 29, message: "something else" },
    ]);
  });

  it("a RegExp that does not match shows the actual message, so the comparison fails", () => {
    const want = [{ ruleId: rule.id, line: 1, column: 29, message: /^no such words$/ }];
    expect(observed(rule, reports, want)).not.toEqual(want);
    expect(observed(rule, reports, want)[0].message).toBe(reports[0].message);
  });

  it("leaves the message out when the case does not ask for it", () => {
    expect(observed(rule, reports, [{ ruleId: rule.id, line: 1, column: 29 }])[0]).not.toHaveProperty("message");
  });
});
