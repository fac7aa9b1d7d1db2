import { safeJson } from "./sanitize.js";
import type { LintReport, Severity } from "../types.js";

/** What SARIF needs to know about each rule. */
export interface RuleMeta {
  id: string;
  severity: Severity;
  description: string;
  docs: string;
}

/** Where rule docs are published; SARIF `helpUri` must be absolute for GitHub code scanning. */
export const DOCS_BASE_URL = "https://github.com/stowaway-dev/stowaway/blob/main/packages/lint/";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = { error: "error", warning: "warning", info: "note" };

export interface SarifOptions {
  toolVersion: string;
  rules: readonly RuleMeta[];
}

/** SARIF 2.1.0, as GitHub code scanning reads it. */
export function formatSarif(report: LintReport, opts: SarifOptions): string {
  const rules = [...opts.rules].sort((a, b) => a.id.localeCompare(b.id));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.findings.map((f) => {
    const message = f.secret ? `${f.message} [${f.secret}]` : f.message;
    return {
      ruleId: f.ruleId,
      ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
      level: LEVEL[f.severity],
      message: { text: f.fix ? `${message}. Fix: ${f.fix}` : message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: toUri(f.file), uriBaseId: "%SRCROOT%" },
            region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
          },
        },
      ],
      // GitHub tracks an alert across commits by this, so it must not depend on line numbers.
      partialFingerprints: { "stowaway/v1": f.fingerprint },
    };
  });
  const notifications = report.errors.map((e) => ({
    level: "error" as const,
    message: { text: `${e.file}: ${e.message}` },
    descriptor: { id: e.code },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: toUri(e.file), uriBaseId: "%SRCROOT%" },
          ...(e.line ? { region: { startLine: e.line, ...(e.column ? { startColumn: e.column } : {}) } } : {}),
        },
      },
    ],
  }));
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "stowaway",
            informationUri: DOCS_BASE_URL.replace(/blob\/main\/packages\/lint\/$/, ""),
            semanticVersion: opts.toolVersion,
            version: opts.toolVersion,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase()),
              shortDescription: { text: r.description },
              fullDescription: { text: r.description },
              helpUri: DOCS_BASE_URL + r.docs,
              help: { text: `${r.description}. See ${DOCS_BASE_URL + r.docs} for examples and the fix.` },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { tags: ["security", "secrets"], precision: "high" },
            })),
          },
        },
        invocations: [{ executionSuccessful: report.errors.length === 0, toolExecutionNotifications: notifications }],
        results,
      },
    ],
  };
  return safeJson(log, 2) + "\n";
}

function toUri(file: string): string {
  return file
    .split(/[\\/]/)
    .filter((p, i) => !(i === 0 && p === "."))
    .map(encodeURIComponent)
    .join("/");
}
