import type { Suppression } from "./suppressions.js";
import type { FileKind, LintTarget, ParseProblem, Severity, SourceRange } from "./types.js";

/** Team-specific vocabulary from `.stowaway.yaml` `lint.secretNames`. */
export interface NameSettings {
  /** Extra words that mark a name as secret (e.g. `SIGNING`). */
  secretWords: readonly string[];
  /** Extra words that mark a name as not secret (e.g. `REGION`). */
  allowWords: readonly string[];
}

export const DEFAULT_NAME_SETTINGS: NameSettings = { secretWords: [], allowWords: [] };

/** What a rule hands to `ctx.report`. The engine redacts `value` and locates the finding. */
export interface Report {
  /** Where the secret value sits (not the instruction's first line). */
  range: SourceRange;
  /** Human message. Never include the value: the engine scrubs it anyway. */
  message: string;
  /** The raw secret. Only its redacted form ever leaves the engine. */
  value: string;
  /**
   * False when `value` only identifies the finding (an ARG name, a copied path) and holds no
   * secret: reports then show no preview, but the value still keys the fingerprint.
   */
  isSecret?: boolean;
  /** The variable or key name, when there is one (for `lint.allow` name patterns). */
  name?: string;
  /** A concrete fix. */
  fix?: string;
  /** Overrides the rule's default severity for this finding (e.g. placeholders → info). */
  severity?: Severity;
  /**
   * The value is a well-known weak or demo credential (`example`, `postgres`): reported at
   * `warning` at most, and `lint.weakValues` can lower it to `info` or drop it.
   */
  weak?: boolean;
}

export interface RuleContext<D> {
  /** Display path. */
  file: string;
  target: LintTarget;
  source: string;
  doc: D;
  names: NameSettings;
  report(report: Report): void;
}

export interface Rule<D = unknown> {
  /** `<kind>/<name>`, which is also the rule's path under src/rules/. */
  id: string;
  kind: FileKind;
  severity: Severity;
  /** One line: what the rule finds. */
  description: string;
  /** The docs page, relative to packages/lint: `docs/rules/<id>.md`. */
  docs: string;
  check(ctx: RuleContext<D>): void;
}

export function defineRule<D>(rule: Omit<Rule<D>, "docs">): Rule<D> {
  return { ...rule, docs: `docs/rules/${rule.id}.md` };
}

/**
 * What a file rule (`stowaway/*`) sees: not a parsed document but what the engine learnt about the
 * whole file. File rules run after the kind's rules and the suppression pass, in registry order.
 */
export interface FileRuleContext {
  /** Display path. */
  file: string;
  kind: FileKind;
  /** Problems that did not stop parsing (an unterminated heredoc). */
  warnings: readonly ParseProblem[];
  /** The file's suppression comments; `used` is true for those that silenced a finding. */
  suppressions: readonly Suppression[];
  report(report: Report): void;
}

/** A rule about the file and its stowaway comments rather than its content; applies to every kind. */
export interface FileRule {
  /** `stowaway/<name>`, which is also the rule's path under src/rules/. */
  id: string;
  severity: Severity;
  /** One line: what the rule finds. */
  description: string;
  /** The docs page, relative to packages/lint: `docs/rules/<id>.md`. */
  docs: string;
  check(ctx: FileRuleContext): void;
}

export function defineFileRule(rule: Omit<FileRule, "docs">): FileRule {
  return { ...rule, docs: `docs/rules/${rule.id}.md` };
}

/** The one-character range at a line and column, for findings about a comment or a position. */
export function pointRange(line: number, column: number): SourceRange {
  return { start: { line, column }, end: { line, column: column + 1 } };
}
