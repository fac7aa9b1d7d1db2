import type { LintReport, Severity } from "../types.js";
import { escapeControl as esc } from "./sanitize.js";

const LEVEL: Record<Severity, string> = { error: "error", warning: "warning", info: "notice" };

// Workflow commands treat %, CR and LF specially in the message, and also `,` and `:` in properties.
// Other control characters (ESC) are made visible first, so a file name cannot forge log lines.
const escapeData = (s: string) => esc(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
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
    // The one intended line break, between the message and the fix, is encoded after escaping.
    const msg = f.fix ? `${escapeData(text)}%0AFix: ${escapeData(f.fix)}` : escapeData(text);
    lines.push(`::${LEVEL[f.severity]} ${props}::${msg}`);
  }
  return lines.length ? lines.join("\n") + "\n" : "";
}
