import type { LintReport, Severity } from "../types.js";
import { safeJson } from "./sanitize.js";

const SEVERITY: Record<Severity, "info" | "major" | "critical"> = { error: "critical", warning: "major", info: "info" };

/**
 * GitLab Code Quality (a subset of the Code Climate issue format):
 * `artifacts: reports: codequality: stowaway.json` shows findings in merge requests.
 */
export function formatGitlab(report: LintReport): string {
  const seen = new Map<string, number>();
  // GitLab compares base and head by fingerprint, so it must be line-free (ours is) and unique.
  const unique = (fp: string) => {
    const n = seen.get(fp) ?? 0;
    seen.set(fp, n + 1);
    return n === 0 ? fp : `${fp}-${n}`;
  };
  const issues = [
    ...report.errors.map((e) => ({
      type: "issue",
      check_name: `stowaway/${e.code}`,
      description: `${e.file} could not be linted: ${e.message}`,
      categories: ["Bug Risk"],
      severity: "major",
      fingerprint: unique(`error:${e.code}:${e.file}`),
      location: { path: e.file, lines: { begin: e.line ?? 1 } },
    })),
    ...report.findings.map((f) => ({
      type: "issue",
      check_name: f.ruleId,
      description: f.secret ? `${f.message} [${f.secret}]` : f.message,
      ...(f.fix ? { content: { body: `Fix: ${f.fix}` } } : {}),
      categories: ["Security"],
      severity: SEVERITY[f.severity],
      fingerprint: unique(f.fingerprint),
      location: { path: f.file, lines: { begin: f.line, end: f.endLine } },
    })),
  ];
  return safeJson(issues, 2) + "\n";
}
