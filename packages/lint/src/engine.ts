import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { compileAllowList, type AllowEntry } from "./allow.js";
import { sha256Hex } from "./hash.js";
import { loadHandler, type KindHandler } from "./kinds.js";
import { redact, redactTokenShapes, scrub } from "./redact.js";
import { fileRules } from "./rules/stowaway/index.js";
import { DEFAULT_NAME_SETTINGS, type NameSettings, type Report } from "./rule.js";
import { isSuppressed, parseSuppressions } from "./suppressions.js";
import type { FileResult, Finding, LintError, LintReport, LintTarget, Severity } from "./types.js";

/** Default size cap: real Dockerfiles and compose files are far below it, and it bounds parse time. */
export const DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

export const UNUSED_SUPPRESSION_RULE = "stowaway/unused-suppression";
export const PARSE_WARNING_RULE = "stowaway/parse-warning";
export const UNKNOWN_RULE = "stowaway/unknown-rule";

export type { AllowEntry } from "./allow.js";

export interface LintOptions {
  /** Per-rule severity overrides; `off` disables the rule. */
  rules?: Record<string, Severity | "off">;
  names?: NameSettings;
  allow?: readonly AllowEntry[];
  maxFileSize?: number;
  /** Severity of weak-value findings (`Report.weak`): `warning` (default), `info`, or `off` to drop them. */
  weakValues?: "warning" | "info" | "off";
  /** Report suppressions that silenced nothing (info). Default true. */
  reportUnusedSuppressions?: boolean;
  /** Milliseconds one file may take before it is reported as an error ("took too long"). Default 30 000. */
  timeBudgetMs?: number;
}

/**
 * Per-file budget. Every parser, detector and regex is linear, so an ordinary 1 MiB file takes about
 * a second; the budget is the backstop that turns anything we missed into exit 2, never a hung CI job.
 */
export const DEFAULT_TIME_BUDGET_MS = 30_000;

class OverBudget extends Error {}

/**
 * Checked between phases and every few hundred steps of the engine's own loops. It reads
 * process.hrtime, not performance.now(): the global `performance` loads perf_hooks (about 5 ms of
 * a one-file run's start-up).
 */
function deadline(ms: number): () => void {
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  const until = now() + ms;
  return () => {
    if (now() > until) throw new OverBudget();
  };
}

/** What linting one target gives: its result (none for a missing optional file) and the files it pulls in. */
export interface TargetOutcome {
  result?: FileResult;
  related: LintTarget[];
}

/**
 * Lints a list of targets and returns their outcomes in the same order. The engine's own runner
 * lints them one by one; a worker pool (parallel.ts) spreads them over threads.
 */
export interface TargetRunner {
  run(targets: readonly LintTarget[], options: LintOptions): Promise<TargetOutcome[]>;
}

const inProcess: TargetRunner = {
  async run(targets, options) {
    const out: TargetOutcome[] = [];
    for (const t of targets) out.push(await lintTarget(t, options));
    return out;
  },
};

/**
 * Lints every target and the files they pull in (env files, Dockerfiles of compose builds).
 * The work goes in rounds: the targets, then every file they pulled in, in order, then what those
 * pulled in. That is the order of a first-in first-out queue, so the report is the same whichever
 * runner lints a round, one target at a time or several threads at once.
 */
export async function lintTargets(targets: readonly LintTarget[], options: LintOptions = {}, runner: TargetRunner = inProcess): Promise<LintReport> {
  const seen = new Set<string>();
  // Targets already linted, by everything a rule reads of them, and whether that one was optional.
  const linted = new Map<string, boolean>();
  const files: FileResult[] = [];
  let round: LintTarget[] = [...targets];
  while (round.length > 0) {
    const fresh: LintTarget[] = [];
    for (const target of round) {
      const key = `${target.kind}\0${target.absPath}\0${target.contextDir ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (target.source === undefined) {
        // A Dockerfile named on the command line and pulled in again by a compose build whose
        // context is its own directory: same file, same context (the rules read
        // `contextDir ?? dirname(absPath)`), same name in the report, so the same result, which
        // mergeDuplicateFiles would fold away. Lint it once (a fifth of the bench corpus' lints).
        // An optional target may stand in for a required one only when the file is there, so a
        // required one after an optional one is linted again.
        const same = `${target.kind}\0${target.absPath}\0${target.contextDir ?? dirname(target.absPath)}\0${target.file}`;
        const prevOptional = linted.get(same);
        if (prevOptional !== undefined && (!prevOptional || target.optional === true)) continue;
        linted.set(same, target.optional === true);
      }
      fresh.push(target);
    }
    const next: LintTarget[] = [];
    for (const { result, related } of await runner.run(fresh, options)) {
      if (result) files.push(result);
      for (const r of related) {
        // A compose build whose Dockerfile is not in this checkout (generated, or a remote context)
        // is compose's problem at build time, not a lint error.
        next.push(r.kind === "dockerfile" ? { ...r, optional: true } : r);
      }
    }
    round = next;
  }
  return buildReport(mergeDuplicateFiles(files));
}

// The same Dockerfile may be linted directly and through a compose build context; keep every
// finding once.
function mergeDuplicateFiles(files: FileResult[]): FileResult[] {
  const byFile = new Map<string, FileResult>();
  for (const f of files) {
    const prev = byFile.get(f.file);
    if (!prev) {
      byFile.set(f.file, f);
      continue;
    }
    const have = new Set(prev.findings.map((x) => `${x.ruleId}:${x.line}:${x.column}:${x.fingerprint}`));
    for (const x of f.findings) if (!have.has(`${x.ruleId}:${x.line}:${x.column}:${x.fingerprint}`)) prev.findings.push(x);
    const errs = new Set(prev.errors.map((e) => e.message));
    for (const e of f.errors) if (!errs.has(e.message)) prev.errors.push(e);
  }
  return [...byFile.values()];
}

export function buildReport(files: FileResult[]): LintReport {
  const findings = files.flatMap((f) => f.findings);
  const errors = files.flatMap((f) => f.errors);
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return {
    files,
    findings,
    errors,
    summary: { files: files.length, errors: count("error"), warnings: count("warning"), infos: count("info") },
  };
}

function readTarget(target: LintTarget, maxSize: number): { source: string } | { error: LintError } | { skip: true } {
  const fail = (code: string, message: string) => ({ error: { file: target.file, code, message } });
  let buf: Buffer;
  if (target.source !== undefined) {
    buf = Buffer.from(target.source, "utf8");
  } else {
    try {
      const st = statSync(target.absPath);
      if (!st.isFile()) return fail("not-a-file", "not a regular file");
      if (st.size > maxSize) return fail("too-large", `file is ${st.size} bytes, over the ${maxSize}-byte cap (--max-file-size)`);
      buf = readFileSync(target.absPath);
    } catch (err) {
      if (target.optional && (err as NodeJS.ErrnoException).code === "ENOENT") return { skip: true };
      const code = (err as NodeJS.ErrnoException).code ?? "EIO";
      return fail("unreadable", `cannot read file (${code})`);
    }
  }
  if (buf.length > maxSize) return fail("too-large", `file is ${buf.length} bytes, over the ${maxSize}-byte cap (--max-file-size)`);
  // A NUL byte in the first 8 KiB is how git and grep tell binary files; no Dockerfile has one.
  if (buf.subarray(0, 8192).includes(0)) return fail("binary", "binary file (contains NUL bytes), not linted");
  let source = new TextDecoder("utf-8", { fatal: false }).decode(buf);
  if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
  return { source };
}

export async function lintTarget(target: LintTarget, options: LintOptions): Promise<TargetOutcome> {
  const budget = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
  try {
    return await lintWithin(target, options, deadline(budget));
  } catch (err) {
    if (!(err instanceof OverBudget)) throw err;
    const result: FileResult = { file: target.file, kind: target.kind, findings: [], errors: [] };
    result.errors.push({ file: target.file, code: "too-slow", message: `took too long: not linted within the ${budget} ms budget per file` });
    return { result, related: [] };
  }
}

async function lintWithin(target: LintTarget, options: LintOptions, checkTime: () => void): Promise<TargetOutcome> {
  const read = readTarget(target, options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
  if ("skip" in read) return { related: [] };
  const result: FileResult = { file: target.file, kind: target.kind, findings: [], errors: [] };
  if ("error" in read) {
    result.errors.push(read.error);
    return { result, related: [] };
  }
  const { source } = read;
  const handler: KindHandler = await loadHandler(target.kind);
  let parsed: ReturnType<KindHandler["parse"]>;
  try {
    parsed = handler.parse(source, target.file);
  } catch (err) {
    // Parsers report problems as data; one that throws (say, a stack overflow on absurd nesting)
    // costs this file, never the run.
    const why = err instanceof RangeError ? "input nested too deeply" : `internal parser error (${(err as Error)?.name ?? "Error"})`;
    result.errors.push({ file: target.file, code: "parse-failed", message: `could not parse: ${why}` });
    return { result, related: [] };
  }
  if (!parsed.ok) {
    for (const p of parsed.errors) {
      result.errors.push({ file: target.file, line: p.line, column: p.column, code: p.code, message: p.message });
    }
    return { result, related: [] };
  }
  checkTime();
  const doc = parsed.doc;
  const reports: Array<Report & { ruleId: string; severity: Severity; docs: string }> = [];
  const names = options.names ?? DEFAULT_NAME_SETTINGS;
  for (const rule of handler.rules) {
    const configured = options.rules?.[rule.id];
    if (configured === "off") continue;
    const severity = configured ?? rule.severity;
    try {
      rule.check({
        file: target.file,
        target,
        source,
        doc,
        names,
        report: (r) => {
          if (r.weak && options.weakValues === "off") return;
          reports.push({ ...r, ruleId: rule.id, docs: rule.docs, severity: findingSeverity(r, severity, configured, options.weakValues) });
        },
      });
    } catch (err) {
      // A crashing rule is our bug; say which rule, never the content it was looking at.
      result.errors.push({
        file: target.file,
        code: "rule-crashed",
        message: `internal error in rule ${rule.id} (${(err as Error)?.name ?? "Error"}); please report it`,
      });
    }
    checkTime();
  }
  const sups = parseSuppressions(source, handler.trailingComments);
  const kept = dedupeOverlapping(reports, checkTime).filter((r) => !isAllowed(r, options.allow));
  checkTime();
  for (const r of kept) {
    if (sups.length > 0) {
      const start = handler.statementStart?.(doc, r.range.start.line) ?? r.range.start.line;
      if (isSuppressed(sups, r.ruleId, r.range.start.line, start)) continue;
    }
    result.findings.push(toFinding(target.file, r));
  }
  const fileContext = { file: target.file, kind: target.kind, warnings: handler.warnings?.(doc) ?? [], suppressions: sups };
  for (const rule of fileRules) {
    const configured = options.rules?.[rule.id];
    if (configured === "off") continue;
    if (rule.id === UNUSED_SUPPRESSION_RULE && options.reportUnusedSuppressions === false) continue;
    const severity = configured ?? rule.severity;
    rule.check({
      ...fileContext,
      report: (r) => result.findings.push(toFinding(target.file, { ...r, ruleId: rule.id, severity: findingSeverity(r, severity, configured, undefined) })),
    });
  }
  result.findings.sort((a, b) => a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
  const related = handler.related?.(doc, target) ?? [];
  return { result, related };
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

const lower = (a: Severity, b: Severity): Severity => (RANK[a] <= RANK[b] ? a : b);

/**
 * A rule may lower a finding (placeholder → info, weak value → warning); for such a finding the
 * configured level is a ceiling, never a promotion. Other findings take the configured level.
 */
function findingSeverity(r: Report, severity: Severity, configured: Severity | undefined, weakValues: LintOptions["weakValues"]): Severity {
  let own = r.severity ?? severity;
  if (r.weak) own = lower(own, weakValues === "info" ? "info" : "warning");
  if (r.severity === undefined && !r.weak) return severity;
  return configured === undefined ? own : lower(own, configured);
}

function contains(a: Report["range"], b: Report["range"]): boolean {
  const before = (p: { line: number; column: number }, q: { line: number; column: number }) => p.line < q.line || (p.line === q.line && p.column <= q.column);
  return before(a.start, b.start) && before(b.end, a.end);
}

/** One value, one finding: when two rules report overlapping spans, keep the most severe (then the first). */
function dedupeOverlapping<T extends Report & { severity: Severity }>(reports: T[], checkTime: () => void = () => {}): T[] {
  const out: T[] = [];
  // Candidates are looked up by line (ranges spanning lines are few and kept apart), so a file with
  // tens of thousands of findings is not compared pair by pair. The first kept match wins, as before.
  const byLine = new Map<number, number[]>();
  const multiLine: number[] = [];
  const index = (i: number) => {
    const { start, end } = out[i].range;
    if (start.line !== end.line) multiLine.push(i);
    else {
      const list = byLine.get(start.line);
      if (list) list.push(i);
      else byLine.set(start.line, [i]);
    }
  };
  for (let n = 0; n < reports.length; n++) {
    if ((n & 255) === 255) checkTime();
    const r = reports[n];
    let found = -1;
    const consider = (i: number) => {
      if ((found < 0 || i < found) && (contains(out[i].range, r.range) || contains(r.range, out[i].range))) found = i;
    };
    for (const i of multiLine) consider(i);
    for (let line = r.range.start.line; line <= r.range.end.line; line++) for (const i of byLine.get(line) ?? []) consider(i);
    if (found < 0) {
      out.push(r);
      index(out.length - 1);
    } else if (RANK[r.severity] > RANK[out[found].severity]) {
      out[found] = r;
      // Stale entries for the old range stay harmless: candidates are checked against out[i] itself.
      index(found);
    }
  }
  return out;
}

type AllowMatcher = (r: Report) => boolean;
// Compiled once per allow list (one run), not once per finding per entry.
const allowMatchers = new WeakMap<readonly AllowEntry[], AllowMatcher>();

function isAllowed(r: Report, allow: readonly AllowEntry[] | undefined): boolean {
  if (!allow || allow.length === 0) return false;
  let match = allowMatchers.get(allow);
  if (!match) {
    match = compileAllowList(allow);
    allowMatchers.set(allow, match);
  }
  return match(r);
}

export function fingerprint(ruleId: string, file: string, value: string): string {
  // The secret is hashed before it is combined, so the baseline never holds anything reversible on its own.
  const secretHash = sha256Hex(value);
  return sha256Hex(`${ruleId}\0${file}\0${secretHash}`).slice(0, 32);
}

export function toFinding(file: string, r: Report & { ruleId: string; severity: Severity }): Finding {
  // Defence in depth: rules are told not to quote the value, and we scrub anyway. A token can also
  // sit where a rule quotes freely (`ENV TOKEN_ghp_…=x`: the name, and the `_FILE` name a fix
  // derives from it), so token-shaped runs are redacted wherever they appear.
  const secrets = r.isSecret === false ? [] : [r.value];
  return {
    file,
    line: r.range.start.line,
    column: r.range.start.column,
    endLine: r.range.end.line,
    endColumn: r.range.end.column,
    ruleId: r.ruleId,
    severity: r.severity,
    message: redactTokenShapes(scrub(r.message, secrets)),
    secret: r.isSecret === false ? "" : redact(r.value),
    ...(r.fix ? { fix: redactTokenShapes(scrub(r.fix, secrets)) } : {}),
    fingerprint: fingerprint(r.ruleId, file, r.value),
  };
}
