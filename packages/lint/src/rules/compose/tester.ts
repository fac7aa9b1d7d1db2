import { describe, expect, it } from "vitest";
import { DEFAULT_NAME_SETTINGS, type NameSettings, type Report, type Rule } from "../../rule.js";
import type { FileKind, LintTarget, ParseResult, Severity } from "../../types.js";

export interface ExpectedFinding {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** The rule's default unless given. */
  severity?: Severity;
}

export interface ValidCase {
  code: string;
  /** Describes the case; never put a secret value here. */
  name?: string;
  target?: Partial<LintTarget>;
  names?: NameSettings;
}

export interface InvalidCase extends ValidCase {
  errors: ExpectedFinding[];
}

export interface RuleTable {
  valid: Array<string | ValidCase>;
  invalid: InvalidCase[];
}

/** Runs a rule on parsed source exactly as the engine would, minus redaction. */
export function runRule<D>(rule: Rule<D>, parse: (source: string, file: string) => ParseResult<D>, c: ValidCase): Array<Report & { severity: Severity }> {
  const file = c.target?.file ?? defaultFile(rule.kind);
  const parsed = parse(c.code, file);
  if (!parsed.ok) throw new Error(`parse failed: ${parsed.errors.map((e) => `${e.line}:${e.column} ${e.code}`).join(", ")}`);
  const reports: Array<Report & { severity: Severity }> = [];
  const target: LintTarget = { kind: rule.kind, file, absPath: `/virtual/${file}`, ...c.target };
  rule.check({
    file,
    target,
    source: c.code,
    doc: parsed.doc,
    names: c.names ?? DEFAULT_NAME_SETTINGS,
    report: (r) => reports.push({ ...r, severity: r.severity ?? rule.severity }),
  });
  return reports;
}

function defaultFile(kind: FileKind): string {
  return kind === "compose" ? "compose.yaml" : kind === "env" ? ".env" : "Dockerfile";
}

/** typescript-eslint-style tables: positions and severities are asserted, messages are not. */
export function ruleTester<D>(rule: Rule<D>, parse: (source: string, file: string) => ParseResult<D>, table: RuleTable): void {
  describe(rule.id, () => {
    table.valid.forEach((v, i) => {
      const c = typeof v === "string" ? { code: v } : v;
      it(`valid #${i + 1}${c.name ? `: ${c.name}` : ""}`, () => {
        expect(runRule(rule, parse, c).map((r) => r.range.start)).toEqual([]);
      });
    });
    table.invalid.forEach((c, i) => {
      it(`invalid #${i + 1}${c.name ? `: ${c.name}` : ""}`, () => {
        const reports = runRule(rule, parse, c);
        const got = reports.map((r, k) => {
          const e = c.errors[k];
          return {
            line: r.range.start.line,
            column: r.range.start.column,
            ...(e?.endLine !== undefined ? { endLine: r.range.end.line } : {}),
            ...(e?.endColumn !== undefined ? { endColumn: r.range.end.column } : {}),
            severity: r.severity,
          };
        });
        expect(got).toEqual(c.errors.map((e) => ({ ...e, severity: e.severity ?? rule.severity })));
        for (const r of reports) {
          // Messages and fixes must describe, not quote: the engine scrubs, but rules should not rely on it.
          if (r.value.length >= 4) {
            expect(r.message.includes(r.value)).toBe(false);
            expect(r.fix?.includes(r.value) ?? false).toBe(false);
          }
          expect(r.value.length).toBeGreaterThan(0);
        }
      });
    });
  });
}
