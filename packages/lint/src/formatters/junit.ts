import type { LintReport } from "../types.js";
import { escapeControl } from "./sanitize.js";

// XML 1.0 cannot carry most control characters even as references: show them escaped.
const xml = (s: string) => escapeControl(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);

/**
 * JUnit XML, as Jenkins, GitLab, Azure DevOps and CircleCI read test reports: one test suite
 * per linted file, one failing test case per finding (errors are `<error>`), and a passing case
 * for a clean file so that it is listed.
 */
export function formatJunit(report: LintReport): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = report.files.reduce((n, f) => n + Math.max(1, f.findings.length + f.errors.length), 0);
  const failures = report.findings.length;
  out.push(`<testsuites name="stowaway" tests="${total}" failures="${failures}" errors="${report.errors.length}">`);
  for (const file of report.files) {
    const tests = Math.max(1, file.findings.length + file.errors.length);
    out.push(
      `  <testsuite name="${xml(file.file)}" tests="${tests}" failures="${file.findings.length}" errors="${file.errors.length}" file="${xml(file.file)}">`,
    );
    for (const e of file.errors) {
      out.push(`    <testcase name="${xml(`${e.file}:${e.line ?? 1}`)}" classname="stowaway.${xml(e.code)}">`);
      out.push(`      <error type="${xml(e.code)}" message="${xml(e.message)}">${xml(`${e.file}: ${e.message}`)}</error>`);
      out.push("    </testcase>");
    }
    for (const f of file.findings) {
      const message = f.secret ? `${f.message} [${f.secret}]` : f.message;
      out.push(`    <testcase name="${xml(`${f.file}:${f.line}:${f.column}`)}" classname="${xml(f.ruleId)}">`);
      const body = [`${f.file}:${f.line}:${f.column} ${f.severity} ${f.ruleId}`, message, ...(f.fix ? [`Fix: ${f.fix}`] : [])].map(xml).join("\n");
      out.push(`      <failure type="${xml(f.severity)}" message="${xml(message)}">${body}</failure>`);
      out.push("    </testcase>");
    }
    if (tests === 1 && file.findings.length + file.errors.length === 0) out.push(`    <testcase name="${xml(file.file)}" classname="stowaway"/>`);
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n") + "\n";
}
