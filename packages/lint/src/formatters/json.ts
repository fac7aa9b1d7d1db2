import { safeJson } from "./sanitize.js";
import type { LintReport } from "../types.js";

/** The stable machine format: `{"version":1,"findings":[…],"errors":[…],"summary":{…}}`. */
export function formatJson(report: LintReport): string {
  const body = {
    version: 1,
    findings: report.findings.map((f) => ({
      file: f.file,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      secret: f.secret,
      fix: f.fix,
      fingerprint: f.fingerprint,
    })),
    errors: report.errors,
    summary: report.summary,
  };
  return safeJson(body, 2) + "\n";
}
