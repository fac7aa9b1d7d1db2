import { parseDockerfile, type DockerfileDoc } from "../../../parse/dockerfile.js";
import type { Rule } from "../../../rule.js";
import type { Severity } from "../../../types.js";
import { at, ruleTester, runRule, type InvalidCase, type ValidCase } from "../../rule-tester.js";

export const dockerfileConfig = { kind: "dockerfile" as const, parse: parseDockerfile };

export function testDockerfileRule(rule: Rule<DockerfileDoc>, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
  ruleTester(rule, dockerfileConfig, cases);
}

export function reportsOf(rule: Rule<DockerfileDoc>, source: string) {
  return runRule(rule, dockerfileConfig, source);
}

/**
 * An invalid case whose expected positions are where each needle first occurs in `code`
 * (the value's first character), so expectations read as "the finding is on this value".
 */
export function expectAt(
  ruleId: string,
  code: string,
  ...needles: (string | { needle: string; severity?: Severity; occurrence?: number; endLine?: number })[]
): InvalidCase {
  return {
    code,
    errors: needles.map((n) => {
      const spec = typeof n === "string" ? { needle: n } : n;
      const pos = at(code, spec.needle, spec.occurrence);
      return { ruleId, ...pos, ...(spec.severity ? { severity: spec.severity } : {}), ...(spec.endLine ? { endLine: spec.endLine } : {}) };
    }),
  };
}
