import { describe, expect, it } from "vitest";
import { DEFAULT_NAME_SETTINGS, type NameSettings, type Report, type Rule } from "../rule.js";
import type { FileKind, LintTarget, ParseResult, Severity } from "../types.js";

/** A source that must produce no report. */
export type ValidCase = string | { code: string; name?: string; names?: NameSettings; file?: string };

export interface ExpectedError {
  ruleId: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  severity?: Severity;
  /** The report marks a well-known weak value (`Report.weak`). */
  weak?: boolean;
  /** The message, exactly (a string) or matching (a RegExp). */
  message?: string | RegExp;
}

/** A source and the reports it must produce, in line/column order. */
export interface InvalidCase {
  code: string;
  errors: ExpectedError[];
  /** Test name; defaults to a shortened first line of `code`. Never put a secret value here. */
  name?: string;
  names?: NameSettings;
  file?: string;
}

export interface RuleTesterConfig<D> {
  kind: FileKind;
  parse(source: string, file: string): ParseResult<D>;
  /** Display path handed to the rule (default: a name typical for the kind). */
  file?: string;
}

/** Run `rule` over `source` without the engine: parse, check, collect raw reports (unredacted). */
export function runRule<D>(rule: Rule<D>, config: RuleTesterConfig<D>, source: string, options: { names?: NameSettings; file?: string } = {}): Report[] {
  const file = options.file ?? config.file ?? defaultFile(config.kind);
  const parsed = config.parse(source, file);
  if (!parsed.ok) throw new Error(`test source does not parse: ${parsed.errors.map((e) => `${e.code} ${e.message}`).join("; ")}`);
  const reports: Report[] = [];
  const target: LintTarget = { file, absPath: `/virtual/${file}`, kind: config.kind, source };
  rule.check({ file, target, source, doc: parsed.doc, names: options.names ?? DEFAULT_NAME_SETTINGS, report: (r) => reports.push(r) });
  return reports.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column);
}

/**
 * Table-driven rule tests after typescript-eslint's RuleTester. Besides positions it checks the
 * invariants every rule owes the engine: messages and fixes never contain the raw value, every
 * report has a fix, and ranges are well-formed.
 */
export function ruleTester<D>(rule: Rule<D>, config: RuleTesterConfig<D>, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
  describe(rule.id, () => {
    describe("valid", () => {
      cases.valid.forEach((c, n) => {
        const code = typeof c === "string" ? c : c.code;
        const name = typeof c === "string" ? undefined : c.name;
        // Like invalid cases, default names never quote the code: a valid source may still hold a
        // (fake) secret that another rule reports.
        it(name ?? `#${n}: ${firstWord(code)}`, () => {
          const opts = typeof c === "string" ? {} : { names: c.names, file: c.file };
          const reports = runRule(rule, config, code, opts);
          expect(reports.map(describeReport)).toEqual([]);
        });
      });
    });
    describe("invalid", () => {
      cases.invalid.forEach((c, n) => {
        // Default names never quote the code: invalid sources hold (fake) secrets.
        it(c.name ?? `#${n}: ${firstWord(c.code)} → ${c.errors.map((e) => `${e.line}:${e.column}`).join(", ") || "nothing"}`, () => {
          const reports = runRule(rule, config, c.code, { names: c.names, file: c.file });
          const actual = observed(rule, reports, c.errors);
          expect(actual).toEqual(c.errors);
          // A weak value often is a word of the name the fix quotes (`POSTGRES_PASSWORD=postgres`).
          for (const r of reports) assertReportHygiene(r, c.code);
        });
      });
    });
  });
}

/**
 * What `reports` show of each field `expected` asks about, so `toEqual(expected)` compares only
 * those. A RegExp message that matches is returned as itself; one that does not, as the message.
 */
export function observed<D>(rule: Rule<D>, reports: readonly Report[], expected: readonly ExpectedError[]): ExpectedError[] {
  return reports.map((r, i) => {
    const want = expected[i];
    const got: ExpectedError = { ruleId: rule.id, line: r.range.start.line, column: r.range.start.column };
    if (want?.endLine !== undefined) got.endLine = r.range.end.line;
    if (want?.endColumn !== undefined) got.endColumn = r.range.end.column;
    // As the engine applies it by default: a weak value is reported at `warning` at most.
    if (want?.severity !== undefined) got.severity = r.weak && (r.severity ?? rule.severity) === "error" ? "warning" : (r.severity ?? rule.severity);
    if (want?.weak !== undefined) got.weak = r.weak === true;
    if (want?.message !== undefined) got.message = want.message instanceof RegExp && want.message.test(r.message) ? want.message : r.message;
    return got;
  });
}

/**
 * Messages and fixes must not quote the value; ranges must be ordered; a fix must be offered.
 * `source` (when given) lets a value that also occurs elsewhere in the file pass: a message may
 * quote a keyword or name, and in `LABEL PASSWORD=LABEL` the secret *is* the keyword it names.
 */
export function assertReportHygiene(r: Report, source?: string): void {
  if (r.value.length >= 4 && !(source !== undefined && occurrences(source.toLowerCase(), r.value.toLowerCase()) > 1)) {
    expect(r.message.includes(r.value), "message contains the raw value").toBe(false);
    expect((r.fix ?? "").includes(r.value), "fix contains the raw value").toBe(false);
  }
  expect(r.fix, "every report offers a fix").toBeTruthy();
  const { start, end } = r.range;
  expect(start.line >= 1 && start.column >= 1).toBe(true);
  expect(end.line > start.line || (end.line === start.line && end.column >= start.column)).toBe(true);
}

/** Occurrences of `needle` in `text`, overlapping ones included (`ABEL` inside `LABEL` counts). */
function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
  return n;
}

function describeReport(r: Report): string {
  return `${r.range.start.line}:${r.range.start.column} ${r.message}`;
}

function firstWord(code: string): string {
  const line = code.split("\n").find((l) => l.trim() !== "" && !/^\s*FROM\s/i.test(l)) ?? "";
  return /^\s*([A-Za-z-]+)/.exec(line)?.[1] ?? "?";
}

function defaultFile(kind: FileKind): string {
  return kind === "dockerfile" ? "Dockerfile" : kind === "compose" ? "compose.yaml" : ".env";
}

/** 1-based line and column of the first occurrence of `needle` in `code` (for writing expectations). */
export function at(code: string, needle: string, occurrence = 1): { line: number; column: number } {
  let index = -1;
  for (let n = 0; n < occurrence; n++) {
    index = code.indexOf(needle, index + 1);
    if (index < 0) throw new Error("needle not found in test source");
  }
  const before = code.slice(0, index);
  const line = before.split("\n").length;
  return { line, column: index - before.lastIndexOf("\n") };
}
