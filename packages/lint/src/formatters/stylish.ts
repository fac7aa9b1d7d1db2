import type { LintReport, Severity } from "../types.js";
import { escapeControl as esc } from "./sanitize.js";

export interface StylishOptions {
  color: boolean;
  /** Terminal width the fix text is wrapped to (default 80). */
  width?: number;
}

const COLORS = { red: 31, yellow: 33, blue: 34, dim: 2, bold: 1, underline: 4 } as const;
const INDENT = " ".repeat(19);

/**
 * Human output, grouped by file, in the spirit of eslint's stylish formatter. A rule's fix is
 * shown once, under its first finding, wrapped to the terminal: the same advice under every
 * finding buries the findings.
 */
export function formatStylish(report: LintReport, opts: StylishOptions): string {
  const paint = (c: keyof typeof COLORS, s: string) => (opts.color ? `\u001b[${COLORS[c]}m${s}\u001b[0m` : s);
  const sev: Record<Severity, string> = { error: paint("red", "error  "), warning: paint("yellow", "warning"), info: paint("blue", "info   ") };
  const width = Math.max(40, opts.width ?? 80);
  const fixShown = new Set<string>();
  const out: string[] = [];
  for (const f of report.files) {
    if (f.findings.length === 0 && f.errors.length === 0) continue;
    out.push(paint("underline", esc(f.file)));
    for (const e of f.errors) {
      const pos = e.line ? `${e.line}:${e.column ?? 1}` : "-";
      out.push(`  ${pos.padEnd(8)}${paint("red", "fatal  ")}  ${esc(e.message)}  ${paint("dim", esc(e.code))}`);
    }
    for (const x of f.findings) {
      const pos = `${x.line}:${x.column}`;
      const secret = x.secret ? ` ${paint("dim", `[${esc(x.secret)}]`)}` : "";
      out.push(`  ${pos.padEnd(8)}${sev[x.severity]}  ${esc(x.message)}${secret}  ${paint("dim", esc(x.ruleId))}`);
      if (x.fix && !fixShown.has(x.ruleId)) {
        fixShown.add(x.ruleId);
        for (const line of wrap(`fix: ${esc(x.fix)}`, width - INDENT.length)) out.push(INDENT + paint("dim", line));
      }
    }
    out.push("");
  }
  const { errors, warnings, infos } = report.summary;
  const total = errors + warnings + infos;
  if (total > 0 || report.errors.length > 0) {
    const parts = [
      `${total} problem${total === 1 ? "" : "s"} (${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}, ${infos} info)`,
    ];
    if (report.errors.length) parts.push(`${report.errors.length} file${report.errors.length === 1 ? "" : "s"} could not be linted`);
    out.push(paint("bold", `${errors || report.errors.length ? "✖" : "⚠"} ${parts.join("; ")}`));
  }
  return out.length ? out.join("\n") + "\n" : "";
}

/** Greedy word wrap; a word longer than the width (a URL) gets a line of its own. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (!word) continue;
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
