import { parseDockerfile, type DockerfileDoc } from "../../parse/dockerfile.js";
import type { Rule } from "../../rule.js";
import { ruleTester, runRule, type InvalidCase, type ValidCase } from "../rule-tester.js";

export const dockerfileConfig = { kind: "dockerfile" as const, parse: parseDockerfile };

export function testDockerfileRule(rule: Rule<DockerfileDoc>, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
  ruleTester(rule, dockerfileConfig, cases);
}

export function reportsOf(rule: Rule<DockerfileDoc>, source: string) {
  return runRule(rule, dockerfileConfig, source);
}
