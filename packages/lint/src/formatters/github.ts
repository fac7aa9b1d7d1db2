import type { LintReport, Severity } from "../types.js";

const LEVEL: Record<Severity, string> = { error: "error", warning: "warning", info: "notice" };

// Workflow commands treat %, CR and LF specially in the message, and also `,` and `:` in properties.
const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

/** GitHub Actions workflow-command annotations: `::error file=…,line=…,col=…,title=…::message`. */
export function formatGithub(report: LintReport): string {
  const lines: string[] = [];
  for (const e of report.errors) {
    const pos = e.line ? `,line=${e.line},col=${e.column ?? 1}` : "";
    lines.push(`::error file=${escapeProperty(e.file)}${pos},title=${escapeProperty(`stowaway: ${e.code}`)}::${escapeData(e.message)}`);
  }
  for (const f of report.findings) {
    const props = [
      `file=${escapeProperty(f.file)}`,
      `line=${f.line}`,
      `col=${f.column}`,
      `endLine=${f.endLine}`,
      `endColumn=${f.endColumn}`,
      `title=${escapeProperty(f.ruleId)}`,
    ].join(",");
    const text = f.secret ? `${f.message} [${f.secret}]` : f.message;
    const msg = f.fix ? `${text}\nFix: ${f.fix}` : text;
    lines.push(`::${LEVEL[f.severity]} ${props}::${escapeData(msg)}`);
  }
  return lines.length ? lines.join("\n") + "\n" : "";
}
