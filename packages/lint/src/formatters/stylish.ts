import type { LintReport, Severity } from "../types.js";

export interface StylishOptions {
  color: boolean;
}

const COLORS = { red: 31, yellow: 33, blue: 34, dim: 2, bold: 1, underline: 4 } as const;

/** Human output, grouped by file, in the spirit of eslint's stylish formatter. */
export function formatStylish(report: LintReport, opts: StylishOptions): string {
  const paint = (c: keyof typeof COLORS, s: string) => (opts.color ? `\u001b[${COLORS[c]}m${s}\u001b[0m` : s);
  const sev: Record<Severity, string> = { error: paint("red", "error  "), warning: paint("yellow", "warning"), info: paint("blue", "info   ") };
  const out: string[] = [];
  for (const f of report.files) {
    if (f.findings.length === 0 && f.errors.length === 0) continue;
    out.push(paint("underline", f.file));
    for (const e of f.errors) {
      const pos = e.line ? `${e.line}:${e.column ?? 1}` : "-";
      out.push(`  ${pos.padEnd(8)}${paint("red", "fatal  ")}  ${e.message}  ${paint("dim", e.code)}`);
    }
    for (const x of f.findings) {
      const pos = `${x.line}:${x.column}`;
      const secret = x.secret ? ` ${paint("dim", `[${x.secret}]`)}` : "";
      out.push(`  ${pos.padEnd(8)}${sev[x.severity]}  ${x.message}${secret}  ${paint("dim", x.ruleId)}`);
      if (x.fix) out.push(`  ${"".padEnd(8)}         ${paint("dim", `fix: ${x.fix}`)}`);
    }
    out.push("");
  }
  const { errors, warnings, infos } = report.summary;
  const total = errors + warnings + infos;
  if (total > 0 || report.errors.length > 0) {
    const parts = [`${total} problem${total === 1 ? "" : "s"} (${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}, ${infos} info)`];
    if (report.errors.length) parts.push(`${report.errors.length} file${report.errors.length === 1 ? "" : "s"} could not be linted`);
    out.push(paint("bold", `${errors || report.errors.length ? "✖" : "⚠"} ${parts.join("; ")}`));
  }
  return out.length ? out.join("\n") + "\n" : "";
}
