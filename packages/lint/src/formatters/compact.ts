import type { LintReport } from "../types.js";
import { escapeControl as esc } from "./sanitize.js";

/** One line per finding, `file:line:col: severity rule-id message`, for editors and grep; no fix text. */
export function formatCompact(report: LintReport): string {
  const lines: string[] = [];
  for (const e of report.errors) lines.push(`${esc(e.file)}:${e.line ?? 1}:${e.column ?? 1}: fatal ${esc(e.code)} ${esc(e.message)}`);
  for (const f of report.findings) {
    const secret = f.secret ? ` [${esc(f.secret)}]` : "";
    lines.push(`${esc(f.file)}:${f.line}:${f.column}: ${f.severity} ${esc(f.ruleId)} ${esc(f.message)}${secret}`);
  }
  return lines.length ? lines.join("\n") + "\n" : "";
}
