import type { Finding, LintReport } from "./types.js";
import { buildReport } from "./engine.js";
import { StowawayLintError } from "./errors.js";

/**
 * A baseline records accepted findings by fingerprint (rule, file and a hash of the secret) and
 * never by line, so unrelated edits do not invalidate it. It never holds a secret.
 */
export interface Baseline {
  version: 1;
  findings: Array<{ ruleId: string; file: string; fingerprint: string }>;
}

export class BaselineError extends StowawayLintError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super("baseline-invalid", `${file}: ${detail}`);
  }
}

export function createBaseline(report: LintReport): Baseline {
  const seen = new Set<string>();
  const findings: Baseline["findings"] = [];
  for (const f of report.findings) {
    if (seen.has(f.fingerprint)) continue;
    seen.add(f.fingerprint);
    findings.push({ ruleId: f.ruleId, file: f.file, fingerprint: f.fingerprint });
  }
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.ruleId.localeCompare(b.ruleId) || a.fingerprint.localeCompare(b.fingerprint));
  return { version: 1, findings };
}

export function parseBaseline(text: string, file: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new BaselineError(file, "not valid JSON");
  }
  const b = raw as Baseline;
  if (!b || b.version !== 1 || !Array.isArray(b.findings) || !b.findings.every((f) => f && typeof f.fingerprint === "string")) {
    throw new BaselineError(file, 'not a stowaway baseline (expected {"version":1,"findings":[…]})');
  }
  return b;
}

/** Keeps only findings the baseline does not know. */
export function applyBaseline(report: LintReport, baseline: Baseline): LintReport {
  const known = new Set(baseline.findings.map((f) => f.fingerprint));
  const keep = (f: Finding) => !known.has(f.fingerprint);
  return buildReport(report.files.map((r) => ({ ...r, findings: r.findings.filter(keep) })));
}
